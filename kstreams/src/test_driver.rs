//! TopologyTestDriver (placeholder until the processing side lands).
