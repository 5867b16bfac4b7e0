# Reference data for the depth of the diagonal levels: tests/theory/hierarchy/test_depth.py.
#
# Run from the repository root:   gap -q --quitonbreak tests/data/gap/make_depth_reference.g
# (or tests/data/gap/make_depth_reference.sh).  Writes tests/data/depth_reference.json.
#
# For every group of order <= 100 in the SmallGroups library, and for S5, GL(3,2) (on the 7 non-zero
# vectors of GF(2)^3) and SL(2,5) (on the 24 non-zero vectors of GF(5)^2), the group is turned into a
# permutation group (IsomorphismPermGroup, then SmallerDegreePermutationRepresentation).  One JSON
# array per group, compact:
#   [name, generators (GAP's printing joined by ';'), DerivedLength (-1 if not solvable),
#    Size of every member of DerivedSeries (GAP stops at the first repeat),
#    AbelianInvariants of every factor DS[i]/DS[i+1] (= AbelianInvariants(DS[i])),
#    sizes of the series K_0 = G, K_{i+1} = <k^2 : k in K_i> (until it repeats)]
# The last series is the fastest with elementary abelian 2-group factors: <K^2> contains [K, K]
# (a^-1 b^-1 a b = a^-2 (a b^-1)^2 b^2), so K/<K^2> is the largest such quotient of K.

JsonList := function(l)
  return Concatenation("[", JoinStringsWithSeparator(List(l, String), ","), "]");
end;

PermString := function(p)
  return ReplacedString(String(p), " ", "");
end;

Squares := K -> Subgroup(K, List(AsList(K), x -> x^2));

Record := function(name, G)
  local P, gens, ds, sq, next, dl;
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
  ds := DerivedSeries(P);
  if IsSolvableGroup(P) then
    dl := DerivedLength(P);
  else
    dl := -1;
  fi;
  sq := [P];
  next := Squares(P);
  while Size(next) < Size(sq[Length(sq)]) do
    Add(sq, next);
    next := Squares(next);
  od;
  return Concatenation("[\"", name, "\",\"", JoinStringsWithSeparator(List(gens, PermString), ";"), "\",",
    String(dl), ",", JsonList(List(ds, Size)), ",[",
    JoinStringsWithSeparator(List(ds{[1 .. Length(ds) - 1]}, K -> JsonList(AbelianInvariants(K))), ","), "],",
    JsonList(List(sq, Size)), "]");
end;

records := [];
for n in [1 .. 100] do
  for i in [1 .. NrSmallGroups(n)] do
    Add(records, Record(Concatenation(String(n), ",", String(i)), SmallGroup(n, i)));
  od;
od;
Add(records, Record("S5", SymmetricGroup(5)));
Add(records, Record("GL(3,2)", Action(GL(3, 2), Filtered(Elements(GF(2)^3), v -> not IsZero(v)), OnRight)));
Add(records, Record("SL(2,5)", Action(SL(2, 5), Filtered(Elements(GF(5)^2), v -> not IsZero(v)), OnRight)));

out := OutputTextFile("tests/data/depth_reference.json", false);
SetPrintFormattingStatus(out, false);
PrintTo(out, "{\"generator\":\"tests/data/gap/make_depth_reference.g\",\"gap_version\":\"",
        GAPInfo.Version, "\",\"fields\":[\"name\",\"generators\",\"derived_length\",\"derived_series_orders\",",
        "\"derived_factor_invariants\",\"square_series_orders\"],\"groups\":[\n");
for i in [1 .. Length(records)] do
  AppendTo(out, records[i]);
  if i < Length(records) then
    AppendTo(out, ",\n");
  fi;
od;
AppendTo(out, "\n]}\n");
CloseStream(out);
QUIT;
