-- The allocation schema holds campus space, semesters, demands, professors, rules, allocations, reservations and reports. Only the allocation service reads or writes it.
COMMENT ON SCHEMA allocation IS 'Planta allocation service: campus space, semesters, demands, professors, rules, allocations, reservations and reports';
