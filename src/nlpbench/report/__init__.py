"""Reports read the runs' output files: Part A, Part B and the comparison."""
