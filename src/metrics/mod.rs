//! Samples, the metric registry, aggregation, thresholds and summaries.
pub mod engine;
pub mod groups;
pub mod registry;
pub mod sample;
pub mod sink;
pub mod summary;
pub mod summary_text;
pub mod threshold_board;
pub mod thresholds;
pub mod trend;
