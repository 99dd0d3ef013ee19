-- MRP output stored per item, and an input-change journal for net change.
--
-- 003 stored one row per planned order and per exception message (≈3 M + 150 k rows for
-- 100 k items): the COPY of those rows was 90 % of a whole run. A run now stores ONE ROW
-- PER ITEM (mrp_item_plans) holding the item's orders and exceptions as parallel arrays,
-- written with binary COPY (≈100 k rows at 100 k items). Ids stay derived: an order's id
-- is the run id's first 10 bytes + 6 bytes (seq << 24 | position), an exception's the same
-- with the top bit of those 6 bytes set, so the API keeps its shape (list/CSV, firm,
-- convert, pegging). seq is the item's index in the run's item list (material id order),
-- the same for every run of a net-change chain.
--
-- A net-change run writes a row for every item it re-planned (empty arrays when the item
-- has no orders and no exceptions any more): the newest row of an item along the chain
-- is the live one, which replaces 003's mrp_run_items.

CREATE TABLE mrp_item_plans (
  run_id      uuid NOT NULL,
  seq         integer NOT NULL,
  tenant_id   uuid NOT NULL,
  material_id uuid NOT NULL,
  buy         boolean NOT NULL,
  -- orders, by position (due bucket order of the engine)
  release     smallint[] NOT NULL,
  due         smallint[] NOT NULL,
  quantity    double precision[] NOT NULL,
  receipt     double precision[] NOT NULL,
  past_due    boolean[] NOT NULL, -- empty: no order past due
  -- firmed orders among them: positions and the firm order ids (parallel)
  firm_pos    integer[] NOT NULL DEFAULT '{}',
  firm_id     uuid[] NOT NULL DEFAULT '{}',
  -- exception messages, by position; -1 = none for exc_to and exc_order
  exc_kind    text[] NOT NULL,
  exc_bucket  smallint[] NOT NULL,
  exc_to      smallint[] NOT NULL,
  exc_qty     double precision[] NOT NULL,
  exc_order   integer[] NOT NULL,
  exc_receipt uuid[] NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX mrp_item_plans_material ON mrp_item_plans (run_id, material_id);

-- Reshape 003's rows. Ids change (they are derived from the new layout); firm orders keep
-- theirs (firm_order_id is carried). Items are numbered per run in material id order.
WITH items AS (
  SELECT run_id, material_id, max(tenant_id::text)::uuid AS tenant_id FROM (
    SELECT run_id, material_id, tenant_id FROM mrp_planned_orders
    UNION ALL SELECT run_id, material_id, tenant_id FROM mrp_exceptions
    UNION ALL SELECT run_id, material_id, tenant_id FROM mrp_run_items) x
  GROUP BY run_id, material_id
), numbered AS (
  SELECT run_id, material_id, tenant_id, (row_number() OVER (PARTITION BY run_id ORDER BY material_id) - 1)::integer AS seq FROM items
), ords AS (
  SELECT run_id, material_id, bool_or(buy) AS buy,
    array_agg(release_bucket::smallint ORDER BY pos) AS release, array_agg(due_bucket::smallint ORDER BY pos) AS due,
    array_agg(quantity ORDER BY pos) AS quantity, array_agg(receipt ORDER BY pos) AS receipt, array_agg(past_due ORDER BY pos) AS past_due,
    coalesce(array_agg(pos ORDER BY pos) FILTER (WHERE firm_order_id IS NOT NULL), '{}') AS firm_pos,
    coalesce(array_agg(firm_order_id ORDER BY pos) FILTER (WHERE firm_order_id IS NOT NULL), '{}') AS firm_id
  FROM mrp_planned_orders GROUP BY run_id, material_id
), excs AS (
  SELECT e.run_id, e.material_id, array_agg(e.kind ORDER BY e.id) AS kind, array_agg(e.bucket::smallint ORDER BY e.id) AS bucket,
    array_agg(coalesce(e.to_bucket, -1)::smallint ORDER BY e.id) AS to_b, array_agg(e.quantity ORDER BY e.id) AS qty,
    array_agg(coalesce(po.pos, -1) ORDER BY e.id) AS ord, array_agg(e.receipt_id ORDER BY e.id) AS rec
  FROM mrp_exceptions e LEFT JOIN mrp_planned_orders po ON po.id = e.planned_order_id
  GROUP BY e.run_id, e.material_id
)
INSERT INTO mrp_item_plans (run_id, seq, tenant_id, material_id, buy, release, due, quantity, receipt, past_due, firm_pos, firm_id,
  exc_kind, exc_bucket, exc_to, exc_qty, exc_order, exc_receipt)
SELECT n.run_id, n.seq, n.tenant_id, n.material_id, coalesce(o.buy, i.source = 'buy', false),
  coalesce(o.release, '{}'), coalesce(o.due, '{}'), coalesce(o.quantity, '{}'), coalesce(o.receipt, '{}'), coalesce(o.past_due, '{}'),
  coalesce(o.firm_pos, '{}'), coalesce(o.firm_id, '{}'),
  coalesce(x.kind, '{}'), coalesce(x.bucket, '{}'), coalesce(x.to_b, '{}'), coalesce(x.qty, '{}'), coalesce(x.ord, '{}'), coalesce(x.rec, '{}')
FROM numbered n
LEFT JOIN ords o ON o.run_id = n.run_id AND o.material_id = n.material_id
LEFT JOIN excs x ON x.run_id = n.run_id AND x.material_id = n.material_id
LEFT JOIN mrp_items i ON i.tenant_id = n.tenant_id AND i.material_id = n.material_id;

DROP TABLE mrp_planned_orders;
DROP TABLE mrp_exceptions;
DROP TABLE mrp_run_items;

-- Input-change journal: which materials' planning inputs changed, and in which
-- transaction. Written by statement triggers in the same transaction as the change (so a
-- rolled-back change leaves nothing); a net-change run reads the entries its previous
-- run's snapshot did not see (pg_visible_in_snapshot) and loads only those items. A
-- regenerative run (which reads everything) deletes the entries its snapshot saw.
CREATE TABLE mrp_changes (
  tenant_id   uuid NOT NULL,
  material_id uuid NOT NULL,
  txid        xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX mrp_changes_tenant ON mrp_changes (tenant_id, txid);

-- Tables with (tenant_id, material_id). With the argument 'planned' only materials that
-- take part in MRP are journalled (stock and requirements of other materials do not
-- matter, and tenants that do not use MRP get no entries).
CREATE FUNCTION mrp_journal_material() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO inventory.mrp_changes (tenant_id, material_id) SELECT DISTINCT tenant_id, material_id FROM new_rows x
    WHERE TG_NARGS = 0 OR EXISTS (SELECT 1 FROM inventory.mrp_items mi WHERE mi.tenant_id = x.tenant_id AND mi.material_id = x.material_id);
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO inventory.mrp_changes (tenant_id, material_id) SELECT tenant_id, material_id FROM
      (SELECT tenant_id, material_id FROM new_rows UNION SELECT tenant_id, material_id FROM old_rows) x
    WHERE TG_NARGS = 0 OR EXISTS (SELECT 1 FROM inventory.mrp_items mi WHERE mi.tenant_id = x.tenant_id AND mi.material_id = x.material_id);
  ELSE
    INSERT INTO inventory.mrp_changes (tenant_id, material_id) SELECT DISTINCT tenant_id, material_id FROM old_rows x
    WHERE TG_NARGS = 0 OR EXISTS (SELECT 1 FROM inventory.mrp_items mi WHERE mi.tenant_id = x.tenant_id AND mi.material_id = x.material_id);
  END IF;
  RETURN NULL;
END $$;

-- BOM lines: the parent (its components) and the component (its where-used) changed.
CREATE FUNCTION mrp_journal_bom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO inventory.mrp_changes (tenant_id, material_id)
    SELECT tenant_id, parent_id FROM new_rows UNION SELECT tenant_id, component_id FROM new_rows;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO inventory.mrp_changes (tenant_id, material_id)
    SELECT tenant_id, parent_id FROM old_rows UNION SELECT tenant_id, component_id FROM old_rows;
  END IF;
  RETURN NULL;
END $$;

-- Requirements: a status change starts or stops counting every item as demand.
CREATE FUNCTION mrp_journal_requirement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO inventory.mrp_changes (tenant_id, material_id)
  SELECT DISTINCT ri.tenant_id, ri.material_id FROM new_rows n JOIN old_rows o ON o.id = n.id
  JOIN inventory.requirement_items ri ON ri.requirement_id = n.id
  JOIN inventory.mrp_items mi ON mi.tenant_id = ri.tenant_id AND mi.material_id = ri.material_id
  WHERE n.status IS DISTINCT FROM o.status;
  RETURN NULL;
END $$;

-- Warehouses: a type change moves stock in or out of the principal on-hand.
CREATE FUNCTION mrp_journal_warehouse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO inventory.mrp_changes (tenant_id, material_id)
  SELECT DISTINCT sl.tenant_id, sl.material_id FROM new_rows n JOIN old_rows o ON o.id = n.id
  JOIN inventory.stock_lines sl ON sl.tenant_id = n.tenant_id AND sl.warehouse_id = n.id
  JOIN inventory.mrp_items mi ON mi.tenant_id = sl.tenant_id AND mi.material_id = sl.material_id
  WHERE n.type IS DISTINCT FROM o.type;
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
  arg text;
BEGIN
  FOREACH t IN ARRAY ARRAY['mrp_items', 'mrp_demands', 'mrp_scheduled_receipts', 'mrp_firm_orders', 'stock_lines', 'requirement_items'] LOOP
    arg := CASE WHEN t IN ('stock_lines', 'requirement_items') THEN '''planned''' ELSE '' END;
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON inventory.%I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION inventory.mrp_journal_material(%s)', t || '_mrp_ins', t, arg);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON inventory.%I REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION inventory.mrp_journal_material(%s)', t || '_mrp_upd', t, arg);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON inventory.%I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION inventory.mrp_journal_material(%s)', t || '_mrp_del', t, arg);
  END LOOP;
END $$;
CREATE TRIGGER mrp_bom_lines_mrp_ins AFTER INSERT ON mrp_bom_lines REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mrp_journal_bom();
CREATE TRIGGER mrp_bom_lines_mrp_upd AFTER UPDATE ON mrp_bom_lines REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mrp_journal_bom();
CREATE TRIGGER mrp_bom_lines_mrp_del AFTER DELETE ON mrp_bom_lines REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mrp_journal_bom();
CREATE TRIGGER requirements_mrp_upd AFTER UPDATE ON requirements REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mrp_journal_requirement();
CREATE TRIGGER warehouses_mrp_upd AFTER UPDATE ON warehouses REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mrp_journal_warehouse();
