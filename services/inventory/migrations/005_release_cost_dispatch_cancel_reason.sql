-- 1. A stock line without a project carries no project cost.
--
-- Locked cost is what a project was charged when the stock came in, floating quantity is
-- stock a (then inactive) project will be charged for; both only mean something on a
-- project's line (cost_mode "none" otherwise). Unfreezing a line without a target, or
-- reassigning it to no project, used to carry the cost onto the unassigned line, which
-- then showed "locked" cost that no project's consumption counted. Moving stock to no
-- project now releases its cost; this releases what earlier moves left behind, and the
-- CHECK keeps it that way (second line of defence, like the stock CHECKs).
UPDATE stock_lines SET locked_cost_pen = 0, locked_cost_usd = 0, floating_qty = 0, updated_at = now()
WHERE budget_id IS NULL AND (locked_cost_pen <> 0 OR locked_cost_usd <> 0 OR floating_qty <> 0);

ALTER TABLE stock_lines ADD CONSTRAINT stock_no_project_no_cost
  CHECK (budget_id IS NOT NULL OR (locked_cost_pen = 0 AND locked_cost_usd = 0 AND floating_qty = 0));

-- 2. Why a dispatch was cancelled, and who cancelled it (as requirements keep
-- cancel_reason and project lifecycle events keep reason and actor_id). The reason is
-- also the note of the dispatch_cancel movements in the ledger.
ALTER TABLE dispatches
  ADD COLUMN cancel_reason text NOT NULL DEFAULT '',
  ADD COLUMN cancelled_by  text NOT NULL DEFAULT '';
