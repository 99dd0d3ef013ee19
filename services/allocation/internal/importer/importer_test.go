package importer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

func TestNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"José  da SILVA":    "jose da silva",
		" joão-pedro Ávila": "joao pedro avila",
		"MARIA\tCONCEIÇÃO":  "maria conceicao",
		"":                  "",
	} {
		if got := NameKey(in); got != want {
			t.Errorf("NameKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeOffersArrayOrObject(t *testing.T) {
	arr, err := DecodeOffers(json.RawMessage(`[{"offer_id":"1","course_code":"FUP0001"}]`))
	if err != nil || len(arr) != 1 {
		t.Fatal(arr, err)
	}
	obj, err := DecodeOffers(json.RawMessage(`{"b":{"course_code":"FUP0002"},"a":{"course_code":"FUP0001"}}`))
	if err != nil || len(obj) != 2 || obj[0].OfferID != "a" {
		t.Fatal(obj, err)
	}
	if _, err := DecodeOffers(json.RawMessage(`"x"`)); err == nil {
		t.Fatal("string accepted")
	}
}

func TestParseCSVReferenceColumns(t *testing.T) {
	in := "semester,course_code,course_name,section,schedule,seats_estimated,room_type_needed\n2025-2,FUP0001,ANATOMIA,T1,3M1234,50,\n"
	offers, err := ParseCSV(strings.NewReader(in))
	if err != nil || len(offers) != 1 || *offers[0].Seats != 50 {
		t.Fatal(offers, err)
	}
	ds, skipped, _ := Convert(timegrid.Default(), offers, nil, nil)
	if len(ds) != 1 || len(skipped) != 0 || ds[0].ExternalID != "FUP0001-T1" || len(ds[0].Cells) != 4 {
		t.Fatalf("%+v %+v", ds, skipped)
	}
	if _, err := ParseCSV(strings.NewReader("course_code,section\nX,T1\n")); err == nil {
		t.Fatal("missing columns accepted")
	}
}
