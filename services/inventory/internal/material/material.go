// Package material is a tenant's catalog of materials with prices in soles and dollars.
package material

import (
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
)

// Material is one catalog entry.
type Material struct {
	ID          string          `json:"id"`
	Code        string          `json:"code"`
	Name        string          `json:"name"`
	Unit        string          `json:"unit"`
	Description string          `json:"description"`
	PricePEN    decimal.Decimal `json:"price_pen"`
	PriceUSD    decimal.Decimal `json:"price_usd"`
	Active      bool            `json:"active"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Input creates or replaces a material.
type Input struct {
	Code        string           `json:"code"`
	Name        string           `json:"name"`
	Unit        string           `json:"unit"`
	Description string           `json:"description"`
	PricePEN    *decimal.Decimal `json:"price_pen"`
	PriceUSD    *decimal.Decimal `json:"price_usd"`
	Active      *bool            `json:"active"`
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

// Normalize trims and validates; missing prices are zero, and at least one must be positive
// (the old system's rule).
func (in *Input) Normalize() error {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.Unit = strings.TrimSpace(in.Unit)
	in.Description = strings.TrimSpace(in.Description)
	if in.PricePEN == nil {
		z := decimal.Zero
		in.PricePEN = &z
	}
	if in.PriceUSD == nil {
		z := decimal.Zero
		in.PriceUSD = &z
	}
	if in.Active == nil {
		t := true
		in.Active = &t
	}
	switch {
	case !codePattern.MatchString(in.Code):
		return fault.Field("code", "must be 1-40 letters, digits or . _ / -")
	case in.Name == "" || len(in.Name) > 200:
		return fault.Field("name", "is required (at most 200 characters)")
	case in.Unit == "" || len(in.Unit) > 20:
		return fault.Field("unit", "is required (at most 20 characters)")
	case strings.HasPrefix(in.Unit, "-"):
		return fault.Field("unit", "must not be a negative number")
	case len(in.Description) > 1000:
		return fault.Field("description", "must be at most 1000 characters")
	}
	if err := ValidPrice("price_pen", *in.PricePEN); err != nil {
		return err
	}
	if err := ValidPrice("price_usd", *in.PriceUSD); err != nil {
		return err
	}
	if !in.PricePEN.IsPositive() && !in.PriceUSD.IsPositive() {
		return fault.Field("price_pen", "at least one of price_pen and price_usd must be positive")
	}
	return nil
}

// ValidPrice accepts non-negative amounts with at most 4 decimals.
func ValidPrice(field string, d decimal.Decimal) error {
	if d.IsNegative() {
		return fault.Field(field, "must not be negative")
	}
	if d.Exponent() < -4 && !d.Equal(d.Round(4)) {
		return fault.Field(field, "must have at most 4 decimals")
	}
	if d.GreaterThanOrEqual(decimal.New(1, 14)) {
		return fault.Field(field, "is too large")
	}
	return nil
}
