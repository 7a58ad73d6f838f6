"""The named world: actors and relations, programmes, the record's states, calibration."""
