# The group catalogue of the minimal-size figure (paper_figs/sizes.py): permutation generators of
# every group of order <= 32 in the SmallGroups library, with GAP's IdGroup and StructureDescription,
# and GAP's own smallest block size min_block_real computed from its character table.
#
# Run from the repository root:   gap -q --quitonbreak paper_figs/data/small_groups.g
# (GAP packages gap-core gap-libs gap-smallgrp).  Writes paper_figs/data/small_groups.json.
#
# Per group: id [n, i], structure (StructureDescription), degree (points moved by the generators),
# generators (GAP's printing of the permutations, joined by ';', read by the toolkit's perm: grammar),
# and gap_min_block_real: the least B >= 0 such that the real irreducible representations of dimension
# <= B have kernels meeting in {e}.  A complex irreducible chi gives one real irreducible of
# dimension chi(1) when its Frobenius-Schur indicator is 1, and of dimension 2 chi(1) otherwise
# (indicator 0: chi + conj(chi); indicator -1: the quaternionic type); its kernel is ker chi.

PermString := function(p)
  return ReplacedString(String(p), " ", "");
end;

MinBlockReal := function(G)
  local tbl, irr, ind, dims, kers, B, meet, i;
  tbl := CharacterTable(G);
  irr := Irr(tbl);
  ind := Indicator(tbl, 2);
  # indicator 1 -> chi(1); indicator 0 or -1 -> 2 chi(1)
  dims := List([1 .. Length(irr)], function(i) if ind[i] = 1 then return irr[i][1]; else return 2 * irr[i][1]; fi; end);
  kers := List(irr, chi -> Set(ClassPositionsOfKernel(chi)));
  for B in [0 .. Maximum(dims)] do
    meet := [1 .. NrConjugacyClasses(tbl)];
    for i in [1 .. Length(irr)] do
      if dims[i] <= B then
        meet := Intersection(meet, kers[i]);
      fi;
    od;
    if meet = [1] then
      return B;
    fi;
  od;
  Error("no faithful set of real irreducibles");
end;

Entry := function(n, i)
  local G, P, gens;
  G := SmallGroup(n, i);
  P := Image(IsomorphismPermGroup(G));
  P := Image(SmallerDegreePermutationRepresentation(P));
  if Size(P) <> n then
    Error("SmallGroup(", n, ",", i, "): the permutation image has the wrong order");
  fi;
  gens := Filtered(SmallGeneratingSet(P), g -> g <> ());
  return Concatenation(
    "{\"id\":[", String(n), ",", String(i), "]",
    ",\"structure\":\"", StructureDescription(G), "\"",
    ",\"degree\":", String(Maximum(Concatenation([0], List(gens, LargestMovedPoint)))),
    ",\"generators\":\"", JoinStringsWithSeparator(List(gens, PermString), ";"), "\"",
    ",\"gap_min_block_real\":", String(MinBlockReal(P)), "}");
end;

entries := [];
for n in [1 .. 32] do
  for i in [1 .. NrSmallGroups(n)] do
    Add(entries, Entry(n, i));
  od;
od;

out := OutputTextFile("paper_figs/data/small_groups.json", false);
SetPrintFormattingStatus(out, false);
PrintTo(out, "{\"generator\":\"paper_figs/data/small_groups.g\",\"gap_version\":\"", GAPInfo.Version,
        "\",\"groups\":[\n");
for i in [1 .. Length(entries)] do
  AppendTo(out, entries[i]);
  if i < Length(entries) then
    AppendTo(out, ",\n");
  fi;
od;
AppendTo(out, "\n]}\n");
CloseStream(out);
QUIT;
