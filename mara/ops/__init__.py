"""Operating MARA: the `mara` CLI, the process supervisor, embedded Redis, model training,
terminal chat."""
