-- Inventory parity with the replaced MRP system, per tenant. Every table carries
-- tenant_id (the cliente's user id); every query filters on it. Quantities and money are
-- numeric, never float. Ids are UUIDv7 so that id order is creation order (keyset cursors,
-- FIFO by date).

CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid()) PLACING
        substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6),
      52, 1), 53, 1), 'hex')::uuid
$$;

CREATE TABLE tenant_profiles (
  tenant_id    uuid PRIMARY KEY,
  company_name text NOT NULL DEFAULT '',
  tax_id       text NOT NULL DEFAULT '',
  address      text NOT NULL DEFAULT '',
  phone        text NOT NULL DEFAULT '',
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE warehouses (
  id         uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id  uuid NOT NULL,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  type       text NOT NULL CHECK (type IN ('principal', 'obra')),
  location   text NOT NULL DEFAULT '',
  address    text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX warehouses_name_per_tenant ON warehouses (tenant_id, lower(name));
-- Exactly one principal per tenant (the old system only had it "by convention").
CREATE UNIQUE INDEX warehouses_one_principal ON warehouses (tenant_id) WHERE type = 'principal';

CREATE TABLE materials (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id   uuid NOT NULL,
  code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  unit        text NOT NULL CHECK (length(unit) BETWEEN 1 AND 20),
  description text NOT NULL DEFAULT '',
  price_pen   numeric(18,4) NOT NULL DEFAULT 0 CHECK (price_pen >= 0),
  price_usd   numeric(18,4) NOT NULL DEFAULT 0 CHECK (price_usd >= 0),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX materials_code_per_tenant ON materials (tenant_id, lower(code));
CREATE UNIQUE INDEX materials_name_per_tenant ON materials (tenant_id, lower(name));

CREATE TABLE budgets (
  id                  uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id           uuid NOT NULL,
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  amount_pen          numeric(18,4) NOT NULL DEFAULT 0 CHECK (amount_pen >= 0),
  amount_usd          numeric(18,4) NOT NULL DEFAULT 0 CHECK (amount_usd >= 0),
  notes               text NOT NULL DEFAULT '',
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'finished')),
  deactivated_at      timestamptz,
  deactivation_reason text NOT NULL DEFAULT '',
  reactivation_date   date,
  finished_at         timestamptz,
  deleted_at          timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX budgets_name_per_tenant ON budgets (tenant_id, lower(name)) WHERE deleted_at IS NULL;

-- Lifecycle history (the old extension_history JSON, as rows).
CREATE TABLE budget_events (
  id            uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id     uuid NOT NULL,
  budget_id     uuid NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('created', 'edited', 'deactivated', 'reactivated', 'extended', 'finished', 'reopened')),
  previous_date date,
  new_date      date,
  reason        text NOT NULL DEFAULT '',
  actor_id      text NOT NULL DEFAULT '',
  at            timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, budget_id) REFERENCES budgets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX budget_events_budget ON budget_events (budget_id, id);

CREATE TABLE budget_additionals (
  id                uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id         uuid NOT NULL,
  budget_id         uuid NOT NULL,
  concept           text NOT NULL CHECK (length(concept) BETWEEN 1 AND 200),
  request_date      date NOT NULL,
  notes             text NOT NULL DEFAULT '',
  confirmed         boolean NOT NULL DEFAULT false,
  confirmation_code text,
  confirmed_at      timestamptz,
  documents         jsonb NOT NULL DEFAULT '[]',
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, budget_id) REFERENCES budgets (tenant_id, id),
  CHECK (confirmed = (confirmation_code IS NOT NULL))
);
CREATE UNIQUE INDEX budget_additionals_code ON budget_additionals (tenant_id, confirmation_code) WHERE confirmation_code IS NOT NULL;

-- One row per (warehouse, material, budget). Frozen lines belonged to a deleted project.
CREATE TABLE stock_lines (
  id              uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id       uuid NOT NULL,
  warehouse_id    uuid NOT NULL,
  material_id     uuid NOT NULL,
  budget_id       uuid,
  on_hand         numeric(18,4) NOT NULL DEFAULT 0,
  reserved        numeric(18,4) NOT NULL DEFAULT 0,
  locked_cost_pen numeric(18,4) NOT NULL DEFAULT 0 CHECK (locked_cost_pen >= 0),
  locked_cost_usd numeric(18,4) NOT NULL DEFAULT 0 CHECK (locked_cost_usd >= 0),
  floating_qty    numeric(18,4) NOT NULL DEFAULT 0 CHECK (floating_qty >= 0),
  note            text NOT NULL DEFAULT '',
  frozen          boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, warehouse_id) REFERENCES warehouses (tenant_id, id),
  FOREIGN KEY (tenant_id, material_id) REFERENCES materials (tenant_id, id),
  FOREIGN KEY (tenant_id, budget_id) REFERENCES budgets (tenant_id, id),
  CONSTRAINT stock_on_hand_non_negative CHECK (on_hand >= 0),
  CONSTRAINT stock_reserved_within_on_hand CHECK (reserved >= 0 AND reserved <= on_hand)
);
CREATE UNIQUE INDEX stock_lines_key ON stock_lines (tenant_id, warehouse_id, material_id, budget_id) NULLS NOT DISTINCT;
CREATE INDEX stock_lines_material ON stock_lines (tenant_id, material_id, warehouse_id);

CREATE TABLE stock_deletions (
  id              uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id       uuid NOT NULL,
  stock_line_id   uuid NOT NULL,
  warehouse_id    uuid NOT NULL,
  material_id     uuid NOT NULL,
  budget_id       uuid,
  warehouse_name  text NOT NULL,
  material_name   text NOT NULL,
  material_unit   text NOT NULL,
  budget_name     text NOT NULL DEFAULT '',
  qty             numeric(18,4) NOT NULL CHECK (qty >= 0),
  unit_price_pen  numeric(18,4) NOT NULL,
  unit_price_usd  numeric(18,4) NOT NULL,
  locked_cost_pen numeric(18,4) NOT NULL,
  locked_cost_usd numeric(18,4) NOT NULL,
  floating_qty    numeric(18,4) NOT NULL,
  reason          text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'lost', 'returned', 'restored')),
  deleted_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, stock_line_id) REFERENCES stock_lines (tenant_id, id)
);

CREATE TABLE requirements (
  id           uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id    uuid NOT NULL,
  warehouse_id uuid NOT NULL,
  budget_id    uuid NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'partial', 'fulfilled', 'cancelled')),
  notes        text NOT NULL DEFAULT '',
  cancel_reason text NOT NULL DEFAULT '',
  created_by   text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, warehouse_id) REFERENCES warehouses (tenant_id, id),
  FOREIGN KEY (tenant_id, budget_id) REFERENCES budgets (tenant_id, id)
);
CREATE INDEX requirements_open ON requirements (tenant_id, created_at, id) WHERE status IN ('pending', 'partial');

CREATE TABLE requirement_items (
  id             uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id      uuid NOT NULL,
  requirement_id uuid NOT NULL,
  material_id    uuid NOT NULL,
  position       integer NOT NULL DEFAULT 0,
  requested_qty  numeric(18,4) NOT NULL CHECK (requested_qty > 0),
  reserved_qty   numeric(18,4) NOT NULL DEFAULT 0 CHECK (reserved_qty >= 0),
  dispatched_qty numeric(18,4) NOT NULL DEFAULT 0 CHECK (dispatched_qty >= 0),
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'reserved', 'partial', 'fulfilled', 'cancelled')),
  UNIQUE (tenant_id, id),
  UNIQUE (requirement_id, material_id),
  FOREIGN KEY (tenant_id, requirement_id) REFERENCES requirements (tenant_id, id),
  FOREIGN KEY (tenant_id, material_id) REFERENCES materials (tenant_id, id),
  CHECK (reserved_qty + dispatched_qty <= requested_qty)
);
CREATE INDEX requirement_items_pending ON requirement_items (tenant_id, material_id) WHERE status IN ('pending', 'partial');

-- Which stock line holds which requirement item's reservation: SUM(qty) per line equals
-- stock_lines.reserved, so cancellation releases exactly what was taken.
CREATE TABLE reservations (
  requirement_item_id uuid NOT NULL REFERENCES requirement_items (id),
  stock_line_id       uuid NOT NULL REFERENCES stock_lines (id),
  tenant_id           uuid NOT NULL,
  qty                 numeric(18,4) NOT NULL CHECK (qty > 0),
  PRIMARY KEY (requirement_item_id, stock_line_id)
);
CREATE INDEX reservations_line ON reservations (stock_line_id);

-- Per-tenant per-day document counters (GR delivery notes, AD additionals), locked in
-- the transaction that takes a number.
CREATE TABLE document_counters (
  tenant_id uuid NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('GR', 'AD')),
  day       date NOT NULL,
  last      integer NOT NULL CHECK (last >= 0),
  PRIMARY KEY (tenant_id, kind, day)
);

CREATE TABLE dispatches (
  id             uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id      uuid NOT NULL,
  requirement_id uuid NOT NULL,
  number         text NOT NULL,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  notes          text NOT NULL DEFAULT '',
  created_by     text NOT NULL DEFAULT '',
  dispatched_at  timestamptz NOT NULL DEFAULT now(),
  cancelled_at   timestamptz,
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, number),
  FOREIGN KEY (tenant_id, requirement_id) REFERENCES requirements (tenant_id, id)
);

-- One row per source stock line; prices are snapshotted so past spend never shifts.
CREATE TABLE dispatch_items (
  id                  uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id           uuid NOT NULL,
  dispatch_id         uuid NOT NULL,
  requirement_item_id uuid NOT NULL REFERENCES requirement_items (id),
  material_id         uuid NOT NULL,
  stock_line_id       uuid NOT NULL REFERENCES stock_lines (id),
  qty                 numeric(18,4) NOT NULL CHECK (qty > 0),
  unit_price_pen      numeric(18,4) NOT NULL,
  unit_price_usd      numeric(18,4) NOT NULL,
  FOREIGN KEY (tenant_id, dispatch_id) REFERENCES dispatches (tenant_id, id),
  FOREIGN KEY (tenant_id, material_id) REFERENCES materials (tenant_id, id)
);
CREATE INDEX dispatch_items_dispatch ON dispatch_items (dispatch_id);

CREATE TABLE receipts (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id   uuid NOT NULL,
  dispatch_id uuid NOT NULL,
  status      text NOT NULL CHECK (status IN ('complete', 'partial')),
  notes       text NOT NULL DEFAULT '',
  created_by  text NOT NULL DEFAULT '',
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  UNIQUE (dispatch_id),
  FOREIGN KEY (tenant_id, dispatch_id) REFERENCES dispatches (tenant_id, id)
);

CREATE TABLE receipt_items (
  id             uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id      uuid NOT NULL,
  receipt_id     uuid NOT NULL,
  material_id    uuid NOT NULL,
  stock_line_id  uuid REFERENCES stock_lines (id),
  dispatched_qty numeric(18,4) NOT NULL CHECK (dispatched_qty > 0),
  received_qty   numeric(18,4) NOT NULL CHECK (received_qty >= 0 AND received_qty <= dispatched_qty),
  discrepancy_qty numeric(18,4) GENERATED ALWAYS AS (dispatched_qty - received_qty) STORED,
  discrepancy_reason text NOT NULL DEFAULT '',
  FOREIGN KEY (tenant_id, receipt_id) REFERENCES receipts (tenant_id, id),
  UNIQUE (receipt_id, material_id)
);

CREATE TABLE movements (
  id             uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id      uuid NOT NULL,
  stock_line_id  uuid NOT NULL,
  warehouse_id   uuid NOT NULL,
  material_id    uuid NOT NULL,
  budget_id      uuid,
  kind           text NOT NULL CHECK (kind IN ('IN', 'OUT', 'ADJUST', 'TRANSFER')),
  qty            numeric(18,4) NOT NULL CHECK (qty <> 0),
  reference_type text NOT NULL,
  reference_id   uuid,
  note           text NOT NULL DEFAULT '',
  actor_id       text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, stock_line_id) REFERENCES stock_lines (tenant_id, id),
  CHECK ((kind = 'IN' AND qty > 0) OR (kind = 'OUT' AND qty < 0) OR kind IN ('ADJUST', 'TRANSFER'))
);
CREATE INDEX movements_line ON movements (stock_line_id);
CREATE INDEX movements_tenant ON movements (tenant_id, id);
