# Reference data for the MONO row (tests/theory/hierarchy/test_monomial_reference.py): the least degree
# of a faithful signed-monomial representation, computed by GAP independently of the toolkit.
#
# Run from the repository root:   gap -q --quitonbreak tests/data/gap/make_monomial_reference.g
# Writes tests/data/monomial_reference.json.
#
# A signed-monomial representation of degree n is a homomorphism into the signed permutation matrices,
# the group W_n = C2 wr S_n (as a permutation group on 2n points); it is faithful iff the homomorphism
# is injective.  So the least degree is the least n such that G is isomorphic to a subgroup of W_n:
# GAP's IsomorphicSubgroups(W_n, G), tried for n = 1, 2, ... up to MAX_DEGREE (its search is slow for
# groups needing many generators, so those with more than MAX_GENERATORS are left out, and it is
# minutes for some groups of order 32, so the orders are 2 .. MAX_ORDER).  Per group:
# name (SmallGroup(n,i), as in tests/data/character_reference.json, whose generators the test reads),
# order, and degree (null: above MAX_DEGREE).

MAX_DEGREE := 8;
MAX_GENERATORS := 3;
MAX_ORDER := 31;

Embeds := function(G, n)
  local w;
  w := WreathProduct(CyclicGroup(IsPermGroup, 2), SymmetricGroup(n));
  if Size(w) mod Size(G) <> 0 then
    return false;
  fi;
  return Length(IsomorphicSubgroups(w, G : findall := false)) > 0;
end;

LeastDegree := function(G)
  local n;
  for n in [1 .. MAX_DEGREE] do
    if Embeds(G, n) then
      return String(n);
    fi;
  od;
  return "null";
end;

records := [];
for order in [2 .. MAX_ORDER] do
  for i in [1 .. NrSmallGroups(order)] do
    G := SmallGroup(order, i);
    if Length(MinimalGeneratingSet(G)) <= MAX_GENERATORS then
      Add(records, Concatenation("{\"name\":\"SmallGroup(", String(order), ",", String(i), ")\",\"order\":",
                                 String(order), ",\"degree\":", LeastDegree(G), "}"));
    fi;
  od;
od;

out := OutputTextFile("tests/data/monomial_reference.json", false);
SetPrintFormattingStatus(out, false);
PrintTo(out, "{\"generator\":\"tests/data/gap/make_monomial_reference.g\",\"gap_version\":\"", GAPInfo.Version,
        "\",\"max_degree\":", String(MAX_DEGREE), ",\"max_generators\":", String(MAX_GENERATORS), ",\"groups\":[\n");
for i in [1 .. Length(records)] do
  AppendTo(out, records[i]);
  if i < Length(records) then
    AppendTo(out, ",\n");
  fi;
od;
AppendTo(out, "\n]}\n");
CloseStream(out);
QUIT;
