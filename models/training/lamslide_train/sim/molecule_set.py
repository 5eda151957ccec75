"""The molecules the project simulates (lamslide_train.sim.mmff): names, SMILES and the train / unseen split.

- The eight MD17 molecules (aspirin, benzene, ethanol, malonaldehyde in its enol form as in MD17, naphthalene,
  salicylic acid, toluene, uracil), all in training.
- Drug-like small molecules (drugs, metabolites, amino acids, solvents and heteroaromatic building blocks), written
  as SMILES for this project. Neutral forms (amino acids unionised): the simulation is in vacuum.
- Every molecule has at most MAX_ATOMS atoms counting hydrogens (the model's ID pool) and only elements of VOCAB.
- UNSEEN: molecules held out of training, to measure transfer to molecules the model never saw. They were chosen to
  span the size range (8 to 32 atoms) and to be far from every training molecule: the largest Tanimoto similarity
  (Morgan radius 2, 2048 bits) of any of them to any training molecule is below 0.35 (tests/test_mmff.py checks
  it), and each has a chemistry the training set covers only in pieces (thiazole, a trichloro hydrate, a
  sulfoxide, fused N-heterocycles, a nitroimidazole, sulfonamides, a pyrrolidone, a glutarimide, a menthane, a
  dichloroacetamide).
"""
from dataclasses import dataclass

VOCAB = ("H", "C", "N", "O", "F", "S", "Cl")
MAX_ATOMS = 32

_MD17 = (
    ("aspirin", "CC(=O)Oc1ccccc1C(=O)O"),
    ("benzene", "c1ccccc1"),
    ("ethanol", "CCO"),
    ("malonaldehyde", "OC=CC=O"),
    ("naphthalene", "c1ccc2ccccc2c1"),
    ("salicylic_acid", "O=C(O)c1ccccc1O"),
    ("toluene", "Cc1ccccc1"),
    ("uracil", "O=c1cc[nH]c(=O)[nH]1"),
)

_DRUG_LIKE = (
    ("methanol", "CO"),
    ("acetone", "CC(C)=O"),
    ("acetic_acid", "CC(=O)O"),
    ("acetamide", "CC(N)=O"),
    ("dimethyl_sulfoxide", "CS(C)=O"),
    ("acetonitrile", "CC#N"),
    ("urea", "NC(N)=O"),
    ("glycine", "NCC(=O)O"),
    ("pyridine", "c1ccncc1"),
    ("pyrrole", "c1cc[nH]c1"),
    ("furan", "c1ccoc1"),
    ("thiophene", "c1ccsc1"),
    ("imidazole", "c1c[nH]cn1"),
    ("fluorobenzene", "Fc1ccccc1"),
    ("chlorobenzene", "Clc1ccccc1"),
    ("phenol", "Oc1ccccc1"),
    ("aniline", "Nc1ccccc1"),
    ("trifluoroethanol", "OCC(F)(F)F"),
    ("isopropanol", "CC(C)O"),
    ("ethylene_glycol", "OCCO"),
    ("pyrazine", "c1cnccn1"),
    ("thiazole", "c1cscn1"),
    ("cyclohexane", "C1CCCCC1"),
    ("piperidine", "C1CCNCC1"),
    ("morpholine", "C1COCCN1"),
    ("benzaldehyde", "O=Cc1ccccc1"),
    ("benzoic_acid", "O=C(O)c1ccccc1"),
    ("anisole", "COc1ccccc1"),
    ("benzonitrile", "N#Cc1ccccc1"),
    ("nitrobenzene", "O=[N+]([O-])c1ccccc1"),
    ("chlorophenol", "Oc1ccc(Cl)cc1"),
    ("fluoroaniline", "Nc1ccc(F)cc1"),
    ("thymine", "Cc1c[nH]c(=O)[nH]c1=O"),
    ("cytosine", "Nc1cc[nH]c(=O)n1"),
    ("pyrimidine", "c1cncnc1"),
    ("caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
    ("paracetamol", "CC(=O)Nc1ccc(O)cc1"),
    ("nicotine", "CN1CCCC1c1cccnc1"),
    ("serotonin", "NCCc1c[nH]c2ccc(O)cc12"),
    ("dopamine", "NCCc1ccc(O)c(O)c1"),
    ("histamine", "NCCc1c[nH]cn1"),
    ("indole", "c1ccc2[nH]ccc2c1"),
    ("quinoline", "c1ccc2ncccc2c1"),
    ("benzimidazole", "c1ccc2[nH]cnc2c1"),
    ("coumarin", "O=c1ccc2ccccc2o1"),
    ("salicylamide", "NC(=O)c1ccccc1O"),
    ("methyl_salicylate", "COC(=O)c1ccccc1O"),
    ("phenylacetic_acid", "OC(=O)Cc1ccccc1"),
    ("acetanilide", "CC(=O)Nc1ccccc1"),
    ("benzamide", "NC(=O)c1ccccc1"),
    ("sulfanilamide", "Nc1ccc(cc1)S(N)(=O)=O"),
    ("methylparaben", "COC(=O)c1ccc(O)cc1"),
    ("vanillin", "COc1cc(C=O)ccc1O"),
    ("fluorouracil", "O=c1[nH]cc(F)c(=O)[nH]1"),
    ("phenylalanine", "NC(Cc1ccccc1)C(=O)O"),
    ("alanine", "CC(N)C(=O)O"),
    ("serine", "NC(CO)C(=O)O"),
    ("proline", "OC(=O)C1CCCN1"),
    ("cysteine", "NC(CS)C(=O)O"),
    ("gaba", "NCCCC(=O)O"),
    ("lactic_acid", "CC(O)C(=O)O"),
    ("pyruvic_acid", "CC(=O)C(=O)O"),
    ("isoniazid", "NNC(=O)c1ccncc1"),
    ("pyrazinamide", "NC(=O)c1cnccn1"),
    ("metformin", "CN(C)C(=N)NC(N)=N"),
    ("amphetamine", "CC(N)Cc1ccccc1"),
    ("ephedrine", "CNC(C)C(O)c1ccccc1"),
    ("theophylline", "Cn1c2nc[nH]c2c(=O)n(C)c1=O"),
    ("phenacetin", "CCOc1ccc(NC(C)=O)cc1"),
    ("benzocaine", "CCOC(=O)c1ccc(N)cc1"),
    ("chlorzoxazone", "O=c1[nH]c2cc(Cl)ccc2o1"),
    ("thioanisole", "CSc1ccccc1"),
    ("propylthiouracil", "CCCc1cc(=O)[nH]c(=S)[nH]1"),
    ("captopril", "CC(CS)C(=O)N1CCCC1C(=O)O"),
    ("ethosuximide", "CCC1(C)CC(=O)NC1=O"),
    ("menthol", "CC(C)C1CCC(C)CC1O"),
    ("camphor", "CC1(C)C2CCC1(C)C(=O)C2"),
    ("cinnamic_acid", "OC(=O)/C=C/c1ccccc1"),
    ("tyramine", "NCCc1ccc(O)cc1"),
    ("mescaline", "COc1cc(CCN)cc(OC)c1OC"),
    ("adrenaline", "CNCC(O)c1ccc(O)c(O)c1"),
    ("chloroxylenol", "Cc1cc(O)cc(C)c1Cl"),
    ("gabapentin", "NCC1(CC(=O)O)CCCCC1"),
    ("allopurinol", "O=c1[nH]cnc2[nH]ncc12"),
    ("aminobenzoic_acid", "Nc1ccc(cc1)C(=O)O"),
    ("nicotinamide", "NC(=O)c1cccnc1"),
    ("hydroxyurea", "NC(=O)NO"),
    ("ethionamide", "CCc1cc(C(N)=S)ccn1"),
    ("thalidomide", "O=C1CCC(N2C(=O)c3ccccc3C2=O)C(=O)N1"),
    ("valproic_acid", "CCCC(CCC)C(=O)O"),
    ("phenylethanol", "OCCc1ccccc1"),
    ("acetylcysteine", "CC(=O)NC(CS)C(=O)O"),
    ("methionine", "CSCCC(N)C(=O)O"),
    ("baclofen", "NCC(CC(=O)O)c1ccc(Cl)cc1"),
    ("clofibric_acid", "CC(C)(Oc1ccc(Cl)cc1)C(=O)O"),
    ("sulfamethoxazole", "Cc1cc(NS(=O)(=O)c2ccc(N)cc2)no1"),
    ("metronidazole", "Cc1ncc([N+](=O)[O-])n1CCO"),
    ("phenobarbital", "CCC1(c2ccccc2)C(=O)NC(=O)NC1=O"),
    ("carbamazepine", "NC(=O)N1c2ccccc2C=Cc2ccccc21"),
    ("benzothiazole", "c1ccc2scnc2c1"),
    ("saccharin", "O=C1NS(=O)(=O)c2ccccc12"),
    ("pyridoxine", "Cc1ncc(CO)c(CO)c1O"),
    ("hydrochlorothiazide", "NS(=O)(=O)c1cc2c(cc1Cl)NCNS2(=O)=O"),
    ("antipyrine", "CC1=CC(=O)N(N1C)c1ccccc1"),
    ("acetazolamide", "CC(=O)Nc1nnc(s1)S(N)(=O)=O"),
    ("primidone", "CCC1(c2ccccc2)C(=O)NCNC1=O"),
    ("levetiracetam", "CCC(C(N)=O)N1CCCC1=O"),
    ("mercaptopurine", "S=c1nc[nH]c2nc[nH]c12"),
    ("mesalazine", "Nc1ccc(O)c(c1)C(=O)O"),
    ("flucytosine", "Nc1nc(=O)[nH]cc1F"),
    ("chloral_hydrate", "OC(O)C(Cl)(Cl)Cl"),
    ("sevoflurane", "FCOC(C(F)(F)F)C(F)(F)F"),
    ("zonisamide", "NS(=O)(=O)Cc1noc2ccccc12"),
    ("nikethamide", "CCN(CC)C(=O)c1cccnc1"),
    ("tranylcypromine", "NC1CC1c1ccccc1"),
    ("pargyline", "C#CCN(C)Cc1ccccc1"),
    ("chloramphenicol", "OCC(NC(=O)C(Cl)Cl)C(O)c1ccc(cc1)[N+](=O)[O-]"),
    ("dapsone", "Nc1ccc(cc1)S(=O)(=O)c1ccc(N)cc1"),
)

UNSEEN = (
    "thiazole",
    "chloral_hydrate",
    "dimethyl_sulfoxide",
    "allopurinol",
    "chlorzoxazone",
    "histamine",
    "vanillin",
    "acetazolamide",
    "metronidazole",
    "zonisamide",
    "levetiracetam",
    "thalidomide",
    "menthol",
    "chloramphenicol",
)


@dataclass(frozen=True)
class Molecule:
    name: str     # file-name safe, unique
    smiles: str   # heavy atoms; hydrogens are added by RDKit
    source: str   # "md17" | "drug-like"
    split: str    # "train" | "unseen"


MOLECULES = tuple(Molecule(n, s, src, "unseen" if n in UNSEEN else "train")
                  for src, rows in (("md17", _MD17), ("drug-like", _DRUG_LIKE)) for n, s in rows)
_BY_NAME = {m.name: m for m in MOLECULES}


def by_name(name):
    if name not in _BY_NAME:
        raise KeyError(f"unknown molecule {name!r}; known: {', '.join(sorted(_BY_NAME))}")
    return _BY_NAME[name]


def training():
    return [m for m in MOLECULES if m.split == "train"]


def unseen():
    return [m for m in MOLECULES if m.split == "unseen"]


def md17():
    return [m for m in MOLECULES if m.source == "md17"]


def check(molecules=MOLECULES):
    """Problems with a molecule list (empty when it is valid): unparsable SMILES, duplicate names or structures,
    too many atoms, elements outside VOCAB, missing MMFF94 parameters, unknown UNSEEN names."""
    from rdkit import Chem
    from rdkit.Chem import rdForceFieldHelpers as ffh
    problems, names, structures = [], {}, {}
    for m in molecules:
        if m.name in names:
            problems.append(f"{m.name}: duplicate name")
        names[m.name] = m
        mol = Chem.MolFromSmiles(m.smiles)
        if mol is None:
            problems.append(f"{m.name}: RDKit cannot parse SMILES {m.smiles!r}")
            continue
        canon = Chem.MolToSmiles(mol)
        if canon in structures:
            problems.append(f"{m.name}: same structure as {structures[canon]}")
        structures[canon] = m.name
        mh = Chem.AddHs(mol)
        if mh.GetNumAtoms() > MAX_ATOMS:
            problems.append(f"{m.name}: {mh.GetNumAtoms()} atoms with hydrogens, more than {MAX_ATOMS}")
        bad = sorted({a.GetSymbol() for a in mh.GetAtoms()} - set(VOCAB))
        if bad:
            problems.append(f"{m.name}: elements {bad} outside the vocabulary {list(VOCAB)}")
        if not ffh.MMFFHasAllMoleculeParams(mh):
            problems.append(f"{m.name}: no MMFF94 parameters")
    for n in UNSEEN:
        if n not in names:
            problems.append(f"UNSEEN names {n!r}, which is not in the list")
    return problems
