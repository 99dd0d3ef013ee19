package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/material"
	"github.com/planta-dev/planta/services/inventory/internal/warehouse"
)

// Profile is the tenant's company data printed on delivery notes.
type Profile struct {
	CompanyName string `json:"company_name"`
	TaxID       string `json:"tax_id" body:"text"` // a RUC, not an object id
	Address     string `json:"address"`
	Phone       string `json:"phone"`
}

// GetProfile returns the tenant's profile (empty until set).
func (s *Store) GetProfile(ctx context.Context, a Actor) (Profile, error) {
	var p Profile
	err := s.pool.QueryRow(ctx, `SELECT company_name, tax_id, address, phone FROM inventory.tenant_profiles WHERE tenant_id = $1`, a.TenantID).
		Scan(&p.CompanyName, &p.TaxID, &p.Address, &p.Phone)
	if errors.Is(err, pgx.ErrNoRows) {
		return Profile{}, nil
	}
	return p, err
}

// PutProfile replaces the tenant's profile.
func (s *Store) PutProfile(ctx context.Context, a Actor, p Profile) (Profile, error) {
	err := s.tx(ctx, a, "put_profile", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO inventory.tenant_profiles (tenant_id, company_name, tax_id, address, phone) VALUES ($1,$2,$3,$4,$5)
			ON CONFLICT (tenant_id) DO UPDATE SET company_name = $2, tax_id = $3, address = $4, phone = $5, updated_at = now()`,
			a.TenantID, p.CompanyName, p.TaxID, p.Address, p.Phone)
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "tenant profile updated", "tenant_id", a.TenantID, "actor_id", a.UserID)
	}
	return p, err
}

const warehouseCols = `id::text, name, type, location, address, created_at, updated_at`

func scanWarehouse(r pgx.Row) (warehouse.Warehouse, error) {
	var w warehouse.Warehouse
	err := r.Scan(&w.ID, &w.Name, &w.Type, &w.Location, &w.Address, &w.CreatedAt, &w.UpdatedAt)
	return w, err
}

// WarehouseFilter filters the warehouse list.
type WarehouseFilter struct {
	Type string
	Q    string
}

// ListWarehouses lists the tenant's warehouses, newest first.
func (s *Store) ListWarehouses(ctx context.Context, a Actor, f WarehouseFilter, p Page) ([]warehouse.Warehouse, string, error) {
	w := newWhere("tenant_id", a.TenantID)
	if f.Type != "" {
		w.add("type = ?", f.Type)
	}
	if f.Q != "" {
		w.add("(name ILIKE ? OR location ILIKE ? OR address ILIKE ?)", likeEscape(f.Q), likeEscape(f.Q), likeEscape(f.Q))
	}
	rows, err := s.pool.Query(ctx, `SELECT `+warehouseCols+` FROM inventory.warehouses`+w.page("id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (warehouse.Warehouse, error) { return scanWarehouse(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(w warehouse.Warehouse) string { return w.ID })
	return items, next, nil
}

// GetWarehouse returns one warehouse of the tenant.
func (s *Store) GetWarehouse(ctx context.Context, a Actor, id string) (warehouse.Warehouse, error) {
	return s.getWarehouse(ctx, s.pool, a, id, "id")
}

func (s *Store) getWarehouse(ctx context.Context, q querier, a Actor, id, field string) (warehouse.Warehouse, error) {
	if err := checkID("warehouse", field, id); err != nil {
		return warehouse.Warehouse{}, err
	}
	w, err := scanWarehouse(q.QueryRow(ctx, `SELECT `+warehouseCols+` FROM inventory.warehouses WHERE tenant_id = $1 AND id = $2`, a.TenantID, id))
	return w, notFound(err, "warehouse", field)
}

// CreateWarehouse adds a warehouse; a second principal is a conflict.
func (s *Store) CreateWarehouse(ctx context.Context, a Actor, in warehouse.Input) (warehouse.Warehouse, error) {
	var w warehouse.Warehouse
	err := s.tx(ctx, a, "create_warehouse", func(tx pgx.Tx) error {
		var err error
		w, err = scanWarehouse(tx.QueryRow(ctx, `INSERT INTO inventory.warehouses (tenant_id, name, type, location, address) VALUES ($1,$2,$3,$4,$5) RETURNING `+warehouseCols,
			a.TenantID, in.Name, in.Type, in.Location, in.Address))
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "warehouse created", "tenant_id", a.TenantID, "warehouse_id", w.ID, "type", w.Type, "actor_id", a.UserID)
	}
	return w, err
}

// UpdateWarehouse replaces a warehouse's attributes. Its type cannot change once it has
// stock or requirements.
func (s *Store) UpdateWarehouse(ctx context.Context, a Actor, id string, in warehouse.Input) (warehouse.Warehouse, error) {
	var w warehouse.Warehouse
	err := s.tx(ctx, a, "update_warehouse", func(tx pgx.Tx) error {
		cur, err := s.getWarehouse(ctx, tx, a, id, "id")
		if err != nil {
			return err
		}
		if cur.Type != in.Type {
			var used bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.stock_lines WHERE tenant_id = $1 AND warehouse_id = $2)
				OR EXISTS (SELECT 1 FROM inventory.requirements WHERE tenant_id = $1 AND warehouse_id = $2)`, a.TenantID, id).Scan(&used); err != nil {
				return err
			}
			if used {
				return fault.Conflictf("warehouse-in-use", "type", "the type of a warehouse with stock or requirements cannot change")
			}
		}
		w, err = scanWarehouse(tx.QueryRow(ctx, `UPDATE inventory.warehouses SET name = $3, type = $4, location = $5, address = $6, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+warehouseCols, a.TenantID, id, in.Name, in.Type, in.Location, in.Address))
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "warehouse updated", "tenant_id", a.TenantID, "warehouse_id", id, "actor_id", a.UserID)
	}
	return w, err
}

// DeleteWarehouse removes an unused warehouse. One with stock or history answers a
// conflict instead of orphaning it (the old system's weakness).
func (s *Store) DeleteWarehouse(ctx context.Context, a Actor, id string) error {
	err := s.tx(ctx, a, "delete_warehouse", func(tx pgx.Tx) error {
		if _, err := s.getWarehouse(ctx, tx, a, id, "id"); err != nil {
			return err
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.stock_lines WHERE tenant_id = $1 AND warehouse_id = $2)
			OR EXISTS (SELECT 1 FROM inventory.requirements WHERE tenant_id = $1 AND warehouse_id = $2)`, a.TenantID, id).Scan(&used); err != nil {
			return err
		}
		if used {
			return fault.Conflictf("warehouse-in-use", "id", "the warehouse has stock or requirements; it cannot be deleted")
		}
		_, err := tx.Exec(ctx, `DELETE FROM inventory.warehouses WHERE tenant_id = $1 AND id = $2`, a.TenantID, id)
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "warehouse deleted", "tenant_id", a.TenantID, "warehouse_id", id, "actor_id", a.UserID)
	}
	return err
}

const materialCols = `id::text, code, name, unit, description, price_pen, price_usd, active, created_at, updated_at`

func scanMaterial(r pgx.Row) (material.Material, error) {
	var m material.Material
	err := r.Scan(&m.ID, &m.Code, &m.Name, &m.Unit, &m.Description, &m.PricePEN, &m.PriceUSD, &m.Active, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}

// MaterialFilter filters the catalog.
type MaterialFilter struct {
	Q        string
	Active   *bool
	BudgetID string
	NoBudget bool
}

// ListMaterials lists the tenant's catalog.
func (s *Store) ListMaterials(ctx context.Context, a Actor, f MaterialFilter, p Page) ([]material.Material, string, error) {
	w := newWhere("m.tenant_id", a.TenantID)
	if f.Q != "" {
		l := likeEscape(f.Q)
		w.add("(m.code ILIKE ? OR m.name ILIKE ? OR m.unit ILIKE ? OR m.description ILIKE ?)", l, l, l, l)
	}
	if f.Active != nil {
		w.add("m.active = ?", *f.Active)
	}
	if f.BudgetID != "" {
		w.add("EXISTS (SELECT 1 FROM inventory.stock_lines l WHERE l.tenant_id = m.tenant_id AND l.material_id = m.id AND l.budget_id::text = ?)", f.BudgetID)
	}
	if f.NoBudget {
		w.add("NOT EXISTS (SELECT 1 FROM inventory.stock_lines l WHERE l.tenant_id = m.tenant_id AND l.material_id = m.id AND l.budget_id IS NOT NULL)")
	}
	rows, err := s.pool.Query(ctx, `SELECT `+prefixed("m.", materialCols)+` FROM inventory.materials m`+w.page("m.id", p), w.args...)
	if err != nil {
		return nil, "", err
	}
	items, err := collect(rows, func(r pgx.Rows) (material.Material, error) { return scanMaterial(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := trimPage(items, p, func(m material.Material) string { return m.ID })
	return items, next, nil
}

// GetMaterial returns one material of the tenant.
func (s *Store) GetMaterial(ctx context.Context, a Actor, id string) (material.Material, error) {
	return s.getMaterial(ctx, s.pool, a, id, "id")
}

func (s *Store) getMaterial(ctx context.Context, q querier, a Actor, id, field string) (material.Material, error) {
	if err := checkID("material", field, id); err != nil {
		return material.Material{}, err
	}
	m, err := scanMaterial(q.QueryRow(ctx, `SELECT `+materialCols+` FROM inventory.materials WHERE tenant_id = $1 AND id = $2`, a.TenantID, id))
	return m, notFound(err, "material", field)
}

// CreateMaterial adds a catalog entry.
func (s *Store) CreateMaterial(ctx context.Context, a Actor, in material.Input) (material.Material, error) {
	var m material.Material
	err := s.tx(ctx, a, "create_material", func(tx pgx.Tx) error {
		var err error
		m, err = scanMaterial(tx.QueryRow(ctx, `INSERT INTO inventory.materials (tenant_id, code, name, unit, description, price_pen, price_usd, active)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING `+materialCols,
			a.TenantID, in.Code, in.Name, in.Unit, in.Description, *in.PricePEN, *in.PriceUSD, *in.Active))
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "material created", "tenant_id", a.TenantID, "material_id", m.ID, "actor_id", a.UserID)
	}
	return m, err
}

// UpdateMaterial replaces a material's attributes (only the tenant's own catalog).
func (s *Store) UpdateMaterial(ctx context.Context, a Actor, id string, in material.Input) (material.Material, error) {
	var m material.Material
	err := s.tx(ctx, a, "update_material", func(tx pgx.Tx) error {
		if _, err := s.getMaterial(ctx, tx, a, id, "id"); err != nil {
			return err
		}
		var err error
		m, err = scanMaterial(tx.QueryRow(ctx, `UPDATE inventory.materials SET code = $3, name = $4, unit = $5, description = $6, price_pen = $7, price_usd = $8, active = $9, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+materialCols,
			a.TenantID, id, in.Code, in.Name, in.Unit, in.Description, *in.PricePEN, *in.PriceUSD, *in.Active))
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "material updated", "tenant_id", a.TenantID, "material_id", id, "actor_id", a.UserID)
	}
	return m, err
}

// DeleteMaterial removes a material nobody used; one with stock or requirements is a
// conflict (deactivate it instead) — never the old cross-tenant cascade.
func (s *Store) DeleteMaterial(ctx context.Context, a Actor, id string) error {
	err := s.tx(ctx, a, "delete_material", func(tx pgx.Tx) error {
		if _, err := s.getMaterial(ctx, tx, a, id, "id"); err != nil {
			return err
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inventory.stock_lines WHERE tenant_id = $1 AND material_id = $2)
			OR EXISTS (SELECT 1 FROM inventory.requirement_items WHERE tenant_id = $1 AND material_id = $2)`, a.TenantID, id).Scan(&used); err != nil {
			return err
		}
		if used {
			return fault.Conflictf("material-in-use", "id", "the material has stock or requirements; set active=false instead")
		}
		_, err := tx.Exec(ctx, `DELETE FROM inventory.materials WHERE tenant_id = $1 AND id = $2`, a.TenantID, id)
		return err
	})
	if err == nil {
		s.log.InfoContext(ctx, "material deleted", "tenant_id", a.TenantID, "material_id", id, "actor_id", a.UserID)
	}
	return err
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
