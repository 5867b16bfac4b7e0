# Reference character-table data for tests/theory/characters/test_reference.py.
#
# Run from the repository root:   gap -q --quitonbreak tests/data/gap/make_character_reference.g
# (or tests/data/gap/make_character_reference.sh).  Writes tests/data/character_reference.json.
#
# For every group of order <= 32 in the SmallGroups library, and for A5, S5, GL(3,2) (acting on the
# 7 non-zero vectors of GF(2)^3) and SL(2,5) (acting on the 24 non-zero vectors of GF(5)^2), the group is turned into a permutation group
# (IsomorphismPermGroup, then SmallerDegreePermutationRepresentation) and GAP computes its character
# table from the group (CharacterTable(P), Irr: Dixon-Schneider, not the table library).  Per group:
#   name, order, exponent, generators (GAP's printing of the permutations, joined by ';'),
#   class_representatives (GAP's printing), class_sizes, class_orders,
#   degrees, indicators (Frobenius-Schur, Indicator(tbl, 2)), kernel_sizes, kernels (1-based class
#   positions of each kernel, in GAP's class order), and values: for each irreducible and class the
#   non-zero entries [k, c] of CoeffsCyc(value, exponent), i.e. value = sum c * E(exponent)^k.
# GAP's order of classes and of Irr is not stable across versions: tests match columns through the
# class representatives and rows as a multiset.

JsonList := function(l)
  return Concatenation("[", JoinStringsWithSeparator(List(l, String), ","), "]");
end;

JsonStrings := function(l)
  return Concatenation("[", JoinStringsWithSeparator(List(l, s -> Concatenation("\"", s, "\"")), ","), "]");
end;

SparseCyc := function(x, n)
  local c, k, parts;
  c := CoeffsCyc(x, n);
  parts := [];
  for k in [1 .. n] do
    if c[k] <> 0 then
      Add(parts, Concatenation("[", String(k - 1), ",", String(c[k]), "]"));
    fi;
  od;
  return Concatenation("[", JoinStringsWithSeparator(parts, ","), "]");
end;

PermString := function(p)
  return ReplacedString(String(p), " ", "");
end;

Record := function(name, G)
  local P, gens, tbl, irr, cls, n, sizes, kers, vals, chi, rec_str;
  if IsPermGroup(G) then
    P := G;
  else
    P := Image(IsomorphismPermGroup(G));
  fi;
  P := Image(SmallerDegreePermutationRepresentation(P));
  if Size(P) <> Size(G) then
    Error(name, ": the permutation image has the wrong order");
  fi;
  gens := Filtered(SmallGeneratingSet(P), g -> g <> ());
  if gens = [] then
    gens := [()];
  fi;
  tbl := CharacterTable(P);
  irr := Irr(tbl);
  cls := ConjugacyClasses(tbl);
  n := Exponent(P);
  sizes := SizesConjugacyClasses(tbl);
  kers := List(irr, chi -> ClassPositionsOfKernel(chi));
  vals := List(irr, chi -> Concatenation("[", JoinStringsWithSeparator(List(chi, x -> SparseCyc(x, n)), ","), "]"));
  return Concatenation(
    "{\"name\":\"", name, "\"",
    ",\"order\":", String(Size(P)),
    ",\"exponent\":", String(n),
    ",\"generators\":\"", JoinStringsWithSeparator(List(gens, PermString), ";"), "\"",
    ",\"class_representatives\":", JsonStrings(List(cls, c -> PermString(Representative(c)))),
    ",\"class_sizes\":", JsonList(sizes),
    ",\"class_orders\":", JsonList(OrdersClassRepresentatives(tbl)),
    ",\"degrees\":", JsonList(List(irr, chi -> chi[1])),
    ",\"indicators\":", JsonList(Indicator(tbl, 2)),
    ",\"kernel_sizes\":", JsonList(List(kers, k -> Sum(sizes{k}))),
    ",\"kernels\":[", JoinStringsWithSeparator(List(kers, JsonList), ","), "]",
    ",\"values\":[", JoinStringsWithSeparator(vals, ","), "]}");
end;

records := [];
for n in [1 .. 32] do
  for i in [1 .. NrSmallGroups(n)] do
    Add(records, Record(Concatenation("SmallGroup(", String(n), ",", String(i), ")"), SmallGroup(n, i)));
  od;
od;
Add(records, Record("A5", AlternatingGroup(5)));
Add(records, Record("S5", SymmetricGroup(5)));
Add(records, Record("GL(3,2)", Action(GL(3, 2), Filtered(Elements(GF(2)^3), v -> not IsZero(v)), OnRight)));
Add(records, Record("SL(2,5)", Action(SL(2, 5), Filtered(Elements(GF(5)^2), v -> not IsZero(v)), OnRight)));

out := OutputTextFile("tests/data/character_reference.json", false);
SetPrintFormattingStatus(out, false);
PrintTo(out, "{\"generator\":\"tests/data/gap/make_character_reference.g\",\"gap_version\":\"",
        GAPInfo.Version, "\",\"groups\":[\n");
for i in [1 .. Length(records)] do
  AppendTo(out, records[i]);
  if i < Length(records) then
    AppendTo(out, ",\n");
  fi;
od;
AppendTo(out, "\n]}\n");
CloseStream(out);
QUIT;
