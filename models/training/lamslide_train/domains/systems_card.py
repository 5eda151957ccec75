"""The model card of the N-body and basketball models: the skeleton (title, data, model, design probes, metrics,
cost, rebuild) and the metric tables; each domain supplies its own data, probe and anchor paragraphs
(`card_data`, `card_probes`, `card_anchors`)."""
from .. import cardtext


def runs(me, solver=None):
    """The sampler runs of a metrics dict ({"ddim@5": {...}, ...}), by solver then NFE."""
    out = [v for v in me.values() if isinstance(v, dict) and "nfe" in v and (solver is None or v["solver"] == solver)]
    return sorted(out, key=lambda v: (v["solver"] != "ddim", v["solver"], v["nfe"]))


def rel(a, b):
    return f"{(a / b - 1) * 100:+.0f}%"


def metric_table(me, base, ade_name, fde_name, part=None):
    """Markdown table of every sampler run (optionally of one part), with the change against the first baseline."""
    head = f"| solver | NFE | {ade_name} | {fde_name} | ADE vs CV | FDE vs CV |" + (" eval seconds |" if part is None else "")
    lines = [head, "|---|---|---|---|---|---|" + ("---|" if part is None else "")]
    for v in runs(me):
        x = v if part is None else v["parts"][part]
        row = (f"| {v['solver']} | {v['nfe']} | {x['ade']:.3f} | {x['fde']:.3f} | {rel(x['ade'], base['ade'])} | "
               f"{rel(x['fde'], base['fde'])} |")
        lines.append(row + (f" {v['seconds']} |" if part is None else ""))
    return "\n".join(lines)


def best_run(me, solver="ddim"):
    return min(runs(me, solver), key=lambda v: (v["ade"] + v["fde"], v["nfe"]))


def system_card(domain, man, cfg):
    me, p = man["metrics"], man["provenance"]
    unit = domain.length_unit
    model = "\n".join([cardtext.first_stage_text(cfg, me, p, unit), cardtext.approximator_text(cfg, p),
                       cardtext.loss_text(cfg)])
    return f"""# {man['name']}

{domain.card_title(man, cfg)}

## Data
{domain.card_data(man, cfg)}

## Model
{model}
- Default sampler: `{man['sampler']['default_solver']}`, NFE {man['sampler']['default_nfe']} (chosen on val: smallest
  {domain.card_rule_name(cfg)}ADE + FDE of the ddim runs).

## Design: how the first stage and the approximator were chosen
{domain.card_probes(man, cfg)}

## Metrics (val)
{domain.card_metrics(man, cfg)}

## Anchors (published, test split)
{domain.card_anchors(man, cfg)}

## Cost
{cardtext.cost_text(cfg, p)}

## Rebuild
```
{domain.rebuild_command(man, cfg)}
```
"""
