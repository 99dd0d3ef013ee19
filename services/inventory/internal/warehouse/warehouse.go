// Package warehouse models a tenant's stores: one principal (central) store and any number
// of obra (work-site) stores.
package warehouse

import (
	"strings"
	"time"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
)

// Type is principal or obra.
type Type string

// Warehouse types.
const (
	Principal Type = "principal"
	Obra      Type = "obra"
)

// Warehouse is one store of a tenant.
type Warehouse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      Type      `json:"type"`
	Location  string    `json:"location"`
	Address   string    `json:"address"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Input creates or replaces a warehouse's attributes.
type Input struct {
	Name     string `json:"name"`
	Type     Type   `json:"type"`
	Location string `json:"location"`
	Address  string `json:"address"`
}

// Normalize trims the input and validates it.
func (in *Input) Normalize() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Location = strings.TrimSpace(in.Location)
	in.Address = strings.TrimSpace(in.Address)
	switch {
	case in.Name == "":
		return fault.Field("name", "is required")
	case len(in.Name) > 120:
		return fault.Field("name", "must be at most 120 characters")
	case in.Type != Principal && in.Type != Obra:
		return fault.Field("type", "must be principal or obra")
	case in.Location == "":
		return fault.Field("location", "is required")
	case in.Address == "":
		return fault.Field("address", "is required")
	case len(in.Location) > 200 || len(in.Address) > 300:
		return fault.Field("address", "is too long")
	}
	return nil
}
