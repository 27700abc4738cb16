//! UI tests: see tests/.
