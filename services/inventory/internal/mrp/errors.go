package mrp

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, matched with errors.Is, so the API layer can map them to
// problem types without parsing messages.
var (
	// ErrCycle: the BOM is not a DAG. The concrete error is *CycleError.
	ErrCycle = errors.New("mrp: BOM cycle")
	// ErrUnknownItem: a reference to an item ID not in Input.Items.
	ErrUnknownItem = errors.New("mrp: unknown item")
	// ErrDuplicateItem: two items share an ID.
	ErrDuplicateItem = errors.New("mrp: duplicate item")
	// ErrNegativeQuantity: a quantity, cost or duration is negative (or NaN
	// or infinite), or zero where it must be positive (quantity per, firm
	// order quantity).
	ErrNegativeQuantity = errors.New("mrp: negative or non-finite quantity")
	// ErrBadLotParameter: lot-sizing parameters that make no sense for the
	// chosen policy.
	ErrBadLotParameter = errors.New("mrp: bad lot-sizing parameter")
	// ErrBucketRange: a bucket outside 0..Buckets-1 or a bad horizon.
	ErrBucketRange = errors.New("mrp: bucket out of range")
	// ErrInvalid: any other invalid input (empty ID, unknown source).
	ErrInvalid = errors.New("mrp: invalid input")
)

// FieldError is one invalid field. Field is a JSON-style path such as
// "items[3].lot.fixed_quantity" so the API can put it into problem+json.
type FieldError struct {
	Field string
	// Item is the item concerned, when there is one.
	Item ItemID
	// Err is one of the sentinel errors above.
	Err    error
	Detail string
}

// Error formats the field, item and detail.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	b.WriteString(": ")
	b.WriteString(e.Field)
	if e.Item != "" {
		fmt.Fprintf(&b, " (item %q)", string(e.Item))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap exposes the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

// CycleError names one cycle of the BOM: Path[0] → Path[1] → … → Path[0]
// (parent to component). Path[len-1] is the component that leads back to
// Path[0].
type CycleError struct {
	Path []ItemID
}

// Error prints the cycle as "A -> B -> C -> A".
func (e *CycleError) Error() string {
	var b strings.Builder
	b.WriteString("mrp: BOM cycle: ")
	for _, id := range e.Path {
		b.WriteString(string(id))
		b.WriteString(" -> ")
	}
	if len(e.Path) > 0 {
		b.WriteString(string(e.Path[0]))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrCycle) true.
func (e *CycleError) Is(target error) bool { return target == ErrCycle }

// ValidationErrors is every problem Compile found (capped at
// maxValidationErrors), so an API can report them all at once.
type ValidationErrors []*FieldError

const maxValidationErrors = 50

// Error joins the messages.
func (v ValidationErrors) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.Is and errors.As see each FieldError.
func (v ValidationErrors) Unwrap() []error {
	out := make([]error, len(v))
	for i, e := range v {
		out[i] = e
	}
	return out
}
