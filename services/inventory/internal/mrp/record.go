package mrp

// Record is the classic MRP record (time-phased grid) of one item. It is
// computed on demand from the plan rather than stored for every item and
// bucket, because a dense grid of 100k items × 52 buckets × 6 rows would
// dominate both memory and the write to storage.
type Record struct {
	Item int
	// OnHand is the opening balance (projected on-hand before bucket 0).
	OnHand      float64
	SafetyStock float64
	// Gross requirements: independent plus dependent demand.
	Gross []float64
	// ScheduledReceipts are open orders, at their due bucket.
	ScheduledReceipts []float64
	// ProjectedOnHand at the end of each bucket, after all receipts.
	ProjectedOnHand []float64
	// Net requirements: max(0, Gross + SS - SR - POH[t-1]).
	Net []float64
	// PlannedReceipts are good quantities of planned and firmed orders, at due.
	PlannedReceipts []float64
	// PlannedReleases are order quantities at release.
	PlannedReleases []float64
}

// Record computes the MRP record of item i.
func (p *Plan) Record(i int) Record {
	m := p.model
	h := m.h
	buf := make([]float64, 6*h)
	r := Record{
		Item: i, OnHand: m.items[i].onHand, SafetyStock: m.items[i].ss,
		Gross: buf[0:h:h], ScheduledReceipts: buf[h : 2*h : 2*h], ProjectedOnHand: buf[2*h : 3*h : 3*h],
		Net: buf[3*h : 4*h : 4*h], PlannedReceipts: buf[4*h : 5*h : 5*h], PlannedReleases: buf[5*h : 6*h],
	}
	grossOf(m, p, int32(i), r.Gross)
	for k := m.srStart[i]; k < m.srStart[i+1]; k++ {
		r.ScheduledReceipts[m.srBucket[k]] += m.srQty[k]
	}
	it := &m.items[i]
	for k := p.ordStart[i]; k < p.ordEnd[i]; k++ {
		o := &p.ords[k]
		r.PlannedReceipts[o.due] += receiptOf(o.qty, it.scrap, 1+it.scrap)
		r.PlannedReleases[o.rel] += o.qty
	}
	poh := r.OnHand
	for t := 0; t < h; t++ {
		if net := r.Gross[t] + r.SafetyStock - r.ScheduledReceipts[t] - poh; net > Tolerance {
			r.Net[t] = net
		}
		poh += r.ScheduledReceipts[t] + r.PlannedReceipts[t] - r.Gross[t]
		r.ProjectedOnHand[t] = poh
	}
	return r
}
