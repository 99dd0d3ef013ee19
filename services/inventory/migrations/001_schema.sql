-- The inventory schema holds warehouses, materials, stock, requirements, dispatches, receipts, movements, budgets and MRP. Only the inventory service reads or writes it.
COMMENT ON SCHEMA inventory IS 'Planta inventory service: warehouses, materials, stock, requirements, dispatches, receipts, movements, budgets and MRP';
