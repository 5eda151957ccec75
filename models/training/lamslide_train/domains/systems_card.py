"""The model card of the N-body and basketball models: the skeleton (title, data, model, design probes, metrics,
cost, optional limits, rebuild) and the metric tables; each domain supplies its own data, probe and anchor paragraphs
(`card_data`, `card_probes`, `card_anchors`)."""
from .. import cardtext


def runs(me, solver=None):
    """The sampler runs of a metrics dict ({"ddim@5": {...}, ...}), by solver then NFE."""
    out = [v for v in me.values() if isinstance(v, dict) and "solver" in v and (solver is None or v["solver"] == solver)]
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


# What the reversed vocabulary means physically, per feature key.
NOTE = {
    "charge": "\nReversing every charge (q -> -q) leaves the Coulomb forces unchanged, so a model of the physics scores\nthe same; with the charges shuffled it is told about other forces than those that acted.",
    "group": "\nReversing makes the ball a player and every player the ball; shuffling hands the ball's role to a random\nagent of the window.",
}


def ablation_text(me, cfg):
    """The card section of `python3 -m lamslide_train.ablation --record` (metrics.ablation), or nothing."""
    ab = me.get("ablation")
    if not ab:
        return ""
    rows = "\n".join(f"| {mode} | {ab[mode]['ade']:.3f} | {ab[mode]['fde']:.3f} |" for mode in ("as given", "swapped", "shuffled"))
    return f"""## Does the model use the {cfg.features.key}?
`python3 -m lamslide_train.ablation --model ../<name> --nfe {ab['nfe']} --record`: the val protocol above (ddim NFE {ab['nfe']},
K = {ab['k']}, {ab['windows']} windows) with the {cfg.features.key} as given, with the vocabulary reversed for every entity
({' <-> '.join(cfg.vocab)}), and permuted among each window's entities (seeded).{NOTE.get(cfg.features.key, "")}

| {cfg.features.key} | ADE | FDE |
|---|---|---|
{rows}

"""


def system_card(domain, man, cfg):
    me, p = man["metrics"], man["provenance"]
    unit = domain.length_unit
    model = "\n".join([cardtext.first_stage_text(cfg, me, p, unit), cardtext.approximator_text(cfg, p),
                       cardtext.loss_text(cfg, unit)])
    # optional: a domain's own limits paragraph (card_limits), placed before the rebuild command
    limits = f"## Limits\n{domain.card_limits(man, cfg)}\n\n" if hasattr(domain, "card_limits") else ""
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

{ablation_text(me, cfg)}## Anchors (published, test split)
{domain.card_anchors(man, cfg)}

## Cost
{cardtext.cost_text(cfg, p)}

{limits}## Rebuild
```
{domain.rebuild_command(man, cfg)}
```
"""


class SystemCard:
    """Mixin of the N-body and basketball domains: their card (system_card) and rebuild command (the build with the
    flags that differ from the domain's default config)."""

    def card(self, man, cfg):
        return system_card(self, man, cfg)

    def rebuild_command(self, man, cfg):
        flags = cardtext.rebuild_flags(cfg, self.config_class())
        return (f"cd models/training && /usr/bin/python3 -m lamslide_train.build --domain {self.name} --out "
                f"../{man['name']} --threads 1{flags}")
