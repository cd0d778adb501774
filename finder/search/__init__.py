"""The center search: where the patient lives, the centers ranked by reach, the map."""
