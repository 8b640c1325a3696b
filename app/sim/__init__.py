"""A simulator of the Segmind service, for tests, the offline demo and benchmarks."""
