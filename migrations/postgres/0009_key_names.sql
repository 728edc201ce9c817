-- A name for each API key (the person or system holding it), shown in audit trails
-- beside the key's id; '' for keys made before names.

ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
