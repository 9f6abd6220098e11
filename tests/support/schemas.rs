//! Validators for the official schemas copied into `tests/data/schemas/` (SARIF 2.1.0,
//! CycloneDX 1.6, SPDX 2.3), and the errors of a document as readable lines.
#![allow(dead_code)]

use serde_json::Value;

use super::DATA;

fn load(rel: &str) -> Value {
    let path = format!("{DATA}schemas/{rel}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("schema is JSON")
}

pub fn sarif_validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&load("sarif-2.1.0.json"))
        .expect("SARIF schema compiles")
}

pub fn cyclonedx_validator() -> jsonschema::Validator {
    // The BOM schema refers to its neighbours by relative name, resolved against its $id.
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
            load("cyclonedx/spdx.SNAPSHOT.schema.json"),
        )
        .expect("spdx resource")
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
            load("cyclonedx/jsf-0.82.SNAPSHOT.schema.json"),
        )
        .expect("jsf resource")
        .prepare()
        .expect("registry");
    jsonschema::options()
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&load("cyclonedx/bom-1.6.SNAPSHOT.schema.json"))
        .expect("CycloneDX schema compiles")
}

pub fn spdx_validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&load("spdx/spdx-2.3-schema.json"))
        .expect("SPDX schema compiles")
}

/// Where `doc` breaks the schema of `validator` (the first 20 places), one line each.
pub fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .take(20)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}
