-- The identity schema holds users, credentials, lockout and the access log. Only the identity service reads or writes it.
COMMENT ON SCHEMA identity IS 'Planta identity service: users, credentials, lockout and the access log';
