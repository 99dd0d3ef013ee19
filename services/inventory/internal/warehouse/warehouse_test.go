package warehouse

import "testing"

func TestNormalize(t *testing.T) {
	in := Input{Name: " Central ", Type: Principal, Location: "Lima", Address: "Av. 1"}
	if err := in.Normalize(); err != nil || in.Name != "Central" {
		t.Fatalf("%v %+v", err, in)
	}
	for _, bad := range []Input{{Type: Obra, Location: "L", Address: "A"}, {Name: "x", Type: "central", Location: "L", Address: "A"}, {Name: "x", Type: Obra, Address: "A"}} {
		if bad.Normalize() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
