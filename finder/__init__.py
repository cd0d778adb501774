"""Find authorized CAR T cell therapy centers a patient can reach under the proximity-stay rule."""
