//! The inventory: facts about what the pipeline does, each with its location.

pub mod scripts;
pub mod shell;
