-- MRP storage around the pure engine (internal/mrp), per tenant. Inputs are numeric like
-- the rest of the schema; outputs (planned orders, exceptions) are the engine's float64
-- results written with COPY, one row per order or message — never a dense item × bucket
-- grid: MRP records are computed on demand from the stored inputs. Output tables carry
-- no foreign keys so that a 3-million-row COPY is not 3 million trigger calls; they are
-- only ever written by a run, inside the run's transaction.

-- Planning calendar: bucket length and horizon (default 52 weekly buckets).
CREATE TABLE mrp_settings (
  tenant_id  uuid PRIMARY KEY,
  bucket     text NOT NULL DEFAULT 'week' CHECK (bucket IN ('day', 'week')),
  horizon    integer NOT NULL DEFAULT 52 CHECK (horizon BETWEEN 1 AND 8192),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Item planning data: a material takes part in MRP once it has a row here.
CREATE TABLE mrp_items (
  tenant_id           uuid NOT NULL,
  material_id         uuid NOT NULL,
  source              text NOT NULL CHECK (source IN ('make', 'buy')),
  lead_time           integer NOT NULL DEFAULT 0 CHECK (lead_time BETWEEN 0 AND 8192),
  safety_stock        numeric(18,4) NOT NULL DEFAULT 0 CHECK (safety_stock >= 0),
  policy              text NOT NULL DEFAULT 'lot_for_lot' CHECK (policy IN ('lot_for_lot', 'fixed_order_quantity', 'eoq', 'period_order_quantity', 'wagner_whitin', 'silver_meal')),
  fixed_quantity      numeric(18,4) NOT NULL DEFAULT 0 CHECK (fixed_quantity >= 0),
  periods             integer NOT NULL DEFAULT 0 CHECK (periods BETWEEN 0 AND 8192),
  annual_demand       numeric(18,4) NOT NULL DEFAULT 0 CHECK (annual_demand >= 0),
  ordering_cost       numeric(18,4) NOT NULL DEFAULT 0 CHECK (ordering_cost >= 0),
  annual_holding_cost numeric(18,4) NOT NULL DEFAULT 0 CHECK (annual_holding_cost >= 0),
  holding_cost        numeric(18,4) NOT NULL DEFAULT 0 CHECK (holding_cost >= 0),
  minimum             numeric(18,4) NOT NULL DEFAULT 0 CHECK (minimum >= 0),
  multiple            numeric(18,4) NOT NULL DEFAULT 0 CHECK (multiple >= 0),
  maximum             numeric(18,4) NOT NULL DEFAULT 0 CHECK (maximum >= 0),
  scrap_pct           numeric(9,4) NOT NULL DEFAULT 0 CHECK (scrap_pct >= 0 AND scrap_pct < 1000),
  planning_time_fence integer NOT NULL DEFAULT 0 CHECK (planning_time_fence BETWEEN 0 AND 8192),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, material_id),
  FOREIGN KEY (tenant_id, material_id) REFERENCES materials (tenant_id, id)
);

-- Bills of materials: one unit of parent consumes qty_per × (1 + scrap_pct/100) of
-- component. The graph is kept acyclic at write time (cycle named in the problem).
CREATE TABLE mrp_bom_lines (
  id           uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id    uuid NOT NULL,
  parent_id    uuid NOT NULL,
  component_id uuid NOT NULL,
  qty_per      numeric(18,6) NOT NULL CHECK (qty_per > 0),
  scrap_pct    numeric(9,4) NOT NULL DEFAULT 0 CHECK (scrap_pct >= 0 AND scrap_pct < 1000),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, parent_id, component_id),
  CHECK (parent_id <> component_id),
  FOREIGN KEY (tenant_id, parent_id) REFERENCES mrp_items (tenant_id, material_id),
  FOREIGN KEY (tenant_id, component_id) REFERENCES mrp_items (tenant_id, material_id)
);
CREATE INDEX mrp_bom_lines_component ON mrp_bom_lines (tenant_id, component_id);

-- Independent demand: master schedule (mps) and forecast entries per bucket date.
CREATE TABLE mrp_demands (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id   uuid NOT NULL,
  material_id uuid NOT NULL,
  bucket_date date NOT NULL,
  quantity    numeric(18,4) NOT NULL CHECK (quantity > 0),
  source      text NOT NULL DEFAULT 'forecast' CHECK (source IN ('forecast', 'mps')),
  note        text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, material_id) REFERENCES mrp_items (tenant_id, material_id)
);
CREATE INDEX mrp_demands_material ON mrp_demands (tenant_id, material_id);

-- Open purchase or work orders expected on due_date.
CREATE TABLE mrp_scheduled_receipts (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id   uuid NOT NULL,
  material_id uuid NOT NULL,
  due_date    date NOT NULL,
  quantity    numeric(18,4) NOT NULL CHECK (quantity > 0),
  reference   text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, material_id) REFERENCES mrp_items (tenant_id, material_id)
);
CREATE INDEX mrp_scheduled_receipts_material ON mrp_scheduled_receipts (tenant_id, material_id);

-- Runs: input version (sha256 of the engine input), kind, counts, duration. A net-change
-- run stores only the orders and exceptions of the items it re-planned (mrp_run_items)
-- and reads the rest through base_run_id.
CREATE TABLE mrp_runs (
  id             uuid PRIMARY KEY DEFAULT uuid_v7(),
  tenant_id      uuid NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('regenerative', 'net_change')),
  status         text NOT NULL CHECK (status IN ('completed', 'failed')),
  base_run_id    uuid REFERENCES mrp_runs (id),
  input_version  text NOT NULL DEFAULT '',
  bucket         text NOT NULL CHECK (bucket IN ('day', 'week')),
  horizon        integer NOT NULL,
  start_date     date NOT NULL,
  items          integer NOT NULL DEFAULT 0,
  items_planned  integer NOT NULL DEFAULT 0,
  planned_orders integer NOT NULL DEFAULT 0,
  exceptions     integer NOT NULL DEFAULT 0,
  load_ms        double precision NOT NULL DEFAULT 0,
  plan_ms        double precision NOT NULL DEFAULT 0,
  write_ms       double precision NOT NULL DEFAULT 0,
  duration_ms    double precision NOT NULL DEFAULT 0,
  error          text NOT NULL DEFAULT '',
  created_by     text NOT NULL DEFAULT '',
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE INDEX mrp_runs_tenant ON mrp_runs (tenant_id, id DESC);

CREATE TABLE mrp_run_items (
  run_id      uuid NOT NULL REFERENCES mrp_runs (id),
  material_id uuid NOT NULL,
  tenant_id   uuid NOT NULL,
  PRIMARY KEY (run_id, material_id)
);

-- Planned orders of a run. id = the run id's first 10 bytes + a 6-byte sequence, so a
-- run's orders are one contiguous range of the primary key (no second index to maintain
-- during COPY). pos is the order's position among its item's orders (by due bucket),
-- which locates it in any plan of the same input.
CREATE TABLE mrp_planned_orders (
  id             uuid PRIMARY KEY,
  tenant_id      uuid NOT NULL,
  run_id         uuid NOT NULL,
  material_id    uuid NOT NULL,
  pos            integer NOT NULL,
  buy            boolean NOT NULL,
  firm_order_id  uuid,
  past_due       boolean NOT NULL,
  release_bucket integer NOT NULL,
  due_bucket     integer NOT NULL,
  quantity       double precision NOT NULL,
  receipt        double precision NOT NULL
);

CREATE TABLE mrp_exceptions (
  id               uuid PRIMARY KEY,
  tenant_id        uuid NOT NULL,
  run_id           uuid NOT NULL,
  material_id      uuid NOT NULL,
  kind             text NOT NULL,
  bucket           integer NOT NULL,
  to_bucket        integer,
  quantity         double precision NOT NULL,
  planned_order_id uuid,
  receipt_id       uuid
);

-- Firmed planned orders: later runs keep them as fixed supply. id is the id of the
-- planned order that was firmed. A converted order is linked to the requirement it became;
-- it stays supply while that requirement is open, for the part not yet reserved or
-- dispatched, and the requirement itself is not counted as demand.
CREATE TABLE mrp_firm_orders (
  id             uuid PRIMARY KEY,
  tenant_id      uuid NOT NULL,
  material_id    uuid NOT NULL,
  release_date   date NOT NULL,
  due_date       date NOT NULL,
  quantity       numeric NOT NULL CHECK (quantity > 0),
  status         text NOT NULL DEFAULT 'firm' CHECK (status IN ('firm', 'converted')),
  requirement_id uuid,
  created_by     text NOT NULL DEFAULT '',
  firmed_at      timestamptz NOT NULL DEFAULT now(),
  converted_at   timestamptz,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, material_id) REFERENCES mrp_items (tenant_id, material_id),
  FOREIGN KEY (tenant_id, requirement_id) REFERENCES requirements (tenant_id, id)
);
CREATE INDEX mrp_firm_orders_requirement ON mrp_firm_orders (tenant_id, requirement_id) WHERE requirement_id IS NOT NULL;
