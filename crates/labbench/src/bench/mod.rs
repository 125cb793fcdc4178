//! The benchmarks `just bench` runs, one file each; `labbench`'s main.rs only reads the arguments and calls
//! `run`. Each prints the medians of alternating runs and the ratios between programs measured in the same run;
//! nothing here passes or fails on time.

pub mod echo;
pub mod tftp_client;
pub mod tftp_server;
