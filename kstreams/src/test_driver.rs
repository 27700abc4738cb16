//! TopologyTestDriver.
