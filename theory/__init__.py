"""Exact mathematics for bilinear state tracking: groups, automata, representation theory, the
hierarchy and its theorems.  No torch here (docs/design.md §2)."""

# Submodules load on first use (PEP 562), so that ``from bilinear.theory.automata.automaton import Automaton`` or the
# ``bilinear`` command does not pay for sympy and the character-table machinery it does not need.
from bilinear.theory.lazy import lazy_exports

_EXPORTS = {
    ".characters.table": ("CharacterTable",),
    ".characters.certificate": ("TableCertificate", "certify_character_table"),
    ".characters.build": ("character_table",),
    ".arith.cyclotomic": ("Cyclotomic",),
    ".groups.abelian": ("AbelianDecomposition", "abelian_decomposition"),
    ".automata.automaton": ("Automaton", "random_automaton"),
    ".errors": ("BilinearError", "InputError", "MathematicalError", "NotRealizableError", "OrderLimitError",
                "ResourceLimitError"),
    ".groups.group": ("FiniteGroup",),
    ".groups.limits": ("DEFAULT_MAX_ORDER",),
    ".resources": ("DEFAULT_MAX_MEMORY", "memory_limit"),
    ".groups.parser": ("parse_group",),
    ".groups.matrix": ("affine_group_1d", "general_linear_group", "special_linear_group"),
    ".groups.named": ("abelian_group", "alternating_group", "cyclic_group", "dihedral_group",
                      "direct_product", "group_from_cayley_table", "group_from_generator_string",
                      "group_from_sympy", "permutation_group", "quaternion_group", "symmetric_group",
                      "trivial_group"),
    ".hierarchy.placement": ("HierarchyLevel", "hierarchy_level", "minimal_normal_subgroups"),
    ".representations.real_irreps": ("RealIrreducible", "is_faithful", "kernel_intersection", "real_character",
                     "real_irreducibles"),
    ".representations.matrices": ("RealIrrepMatrices", "all_real_irrep_matrices", "real_irrep_matrices"),
}

__all__ = [name for names in _EXPORTS.values() for name in names]
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
