// Package mrp is Planta's pure Material Requirements Planning engine: BOM
// explosion with low-level codes, gross-to-net netting over time buckets,
// safety stock, lot sizing, lead-time offset, planned orders with firming,
// exception messages, pegging and net-change re-planning.
//
// The package does no I/O, reads no clock and holds no package-level mutable
// state, so the storage and HTTP layers can wrap it freely and tests can pin
// every number. Quantities are float64 because bills of materials carry
// fractional quantities per (kg, m³) and scrap factors.
//
// # Using it
//
//	m, err := mrp.Compile(in)      // validate, index, low-level codes
//	plan, err := m.Plan()          // regenerative run (fails if an item would get
//	                               // more than MaxOrdersPerItem planned orders)
//	for i := range m.NumItems() {
//		from, to := plan.OrderRange(i) // order ids of item i
//		for k := from; k < to; k++ {
//			o := plan.Order(k)     // item, make/buy, quantity, release, due, firm
//		}
//		exc := plan.ExceptionsOf(i)
//		rec := plan.Record(i)      // MRP record, computed on demand
//	}
//	pegs := plan.PegOrder(k)       // the independent demands order k serves
//	changed, ok := mrp.ChangedItems(m, m2)
//	next, err := m2.PlanNetChange(plan, changed) // equals m2.Plan()
//
// A service that knows which items it changed (a change journal) derives
// the next model from the previous one instead of compiling it whole:
//
//	m2, err := m.Patch(in2, changed)             // equals Compile(in2), shares m's storage
//	next, err := m2.PlanNetChange(plan, changed)
//
// Items are addressed by their position in Input.Items ("dense index") in all
// outputs; Model.ID and Model.Index translate to and from ItemID.
//
// Simulation is a run on modified inputs: Input.Clone, edit the clone (extra
// demand, a changed lead time), Compile and Plan it. For a small change,
// ChangedItems plus PlanNetChange against the base plan re-plans only what
// the change reaches. Compile copies what it keeps and never mutates the
// Input; a Model and a Plan are immutable once returned, so any number of
// goroutines may read them and run plans from them concurrently.
//
// # Conventions
//
//   - Buckets are numbered 0..Buckets-1; bucket 0 is the current period.
//     Whether a bucket is a day or a week is the caller's mapping. Past-due
//     demand or receipts must be mapped by the caller into bucket 0.
//   - Receipts (on-hand aside, scheduled receipts, firmed and planned orders)
//     are available at the start of their bucket; gross requirements are
//     consumed during it; projected on-hand is the balance at the end of it:
//     POH[t] = POH[t-1] + SR[t] + PR[t] - GR[t], with POH[-1] = on-hand.
//   - Safety stock is a floor on projected on-hand, applied once: the engine
//     plans cumulative planned receipts so that POH[t] >= safety stock for
//     every t, so a shortfall of the opening balance is ordered once, not in
//     every bucket.
//   - Net requirement (record row) is max(0, GR[t] + SS - SR[t] - POH[t-1])
//     where POH[t-1] includes earlier planned receipts: it equals the planned
//     receipt under lot-for-lot without modifiers.
//   - Firmed planned orders are fixed supply (quantity, release, due) that the
//     engine keeps and nets before sizing new orders; they appear in the
//     planned-receipts and planned-releases rows and among the plan's orders with Firm
//     set. Scheduled receipts are open orders whose components were already
//     issued, so they create no dependent demand; planned and firmed orders
//     do, at their release bucket.
//   - Lead-time offset is per item: release = due - lead time, never a sum
//     over levels. A release that falls before bucket 0 is placed in bucket 0
//     (PastDue set, ExceptionReleasePastDue reported) and its components'
//     demand lands in bucket 0 too.
//   - Dependent demand of a component = parent order quantity × quantity per
//     × (1 + line scrap), in the parent's release bucket.
//   - Item scrap inflates the order: order quantity = receipt × (1 + scrap);
//     order modifiers (minimum, multiple, maximum) act on the order quantity
//     because that is what a supplier or a work order sees; the record's
//     planned receipts row holds good quantities, the releases row order
//     quantities.
//   - Lot sizing works on the net-requirement stream (after on-hand,
//     scheduled receipts, firmed orders and safety stock). Multi-period rules
//     cover whole buckets: an order due in bucket t covering t..k has quantity
//     equal to the net requirements of t..k. Wagner–Whitin and Silver–Meal use
//     OrderingCost per order and HoldingCost per unit per bucket, charged for
//     every bucket a unit is carried past its receipt bucket. Modifiers are
//     applied after the rule: quantity raised to Minimum, rounded up to
//     Multiple, then split into several orders of at most Maximum (rounded
//     down to Multiple). Any excess simply carries forward.
//   - Planning time fence: no new (unfirmed) planned order is due before
//     bucket PlanningTimeFence; shortages inside the fence are pushed to the
//     fence and reported as below-safety-stock exceptions.
//   - Quantities within Tolerance of each other are equal; shortfalls smaller
//     than Tolerance are ignored.
//
// # Exceptions
//
// Scheduled receipts and firmed orders are checked against their need date:
// the first bucket in which projected on-hand, counting only on-hand and firm
// supply due earlier (ties: scheduled receipts first, then input order), would
// fall below safety stock. Need date before due: expedite; after: defer; no
// need inside the horizon: cancel. The run itself keeps them where they are
// (the record shows the books as they are); a planned order covering the gap
// before an expedite disappears once the planner follows the message and
// re-runs. Other kinds: release past due (planned order), lead-time violation
// (firmed order with less than the item's lead time between release and due),
// below safety stock (first bucket of each run of buckets whose projected
// on-hand after planned receipts is under safety stock, with the worst
// shortfall of the run).
//
// # Pegging
//
// Pegging is computed on demand (Plan.Pegging, Plan.PegOrder). Per item,
// supply (on-hand, then scheduled receipts and orders by due bucket) is
// allocated first-in-first-out to demand (safety stock first, then demand
// elements by bucket: independent demand, then dependent demand of parent
// orders). A component order that serves a parent order inherits the parent
// order's pegs in proportion to the share of the parent order it covers, so
// every planned order is traced to independent demands (or to some item's
// safety stock or lot-size excess) and its pegs add up to its receipt
// quantity.
//
// # Performance
//
// The run is a single pass over items in low-level-code order using flat
// slices indexed by dense item index; the hot loop does no map look-ups and
// allocates nothing apart from appending 16-byte order records to the plan.
// Each item's gross requirements are pulled from its parents' orders in a
// fixed where-used order, which makes the arithmetic of a net-change run
// identical, bit for bit, to a regenerative run. Wagner–Whitin is the exact
// O(n²) dynamic programme, pruned with the planning-horizon theorem. Compile
// (validation, the ID map, low-level codes) is a separate step so a service
// can compile once per input version.
package mrp
