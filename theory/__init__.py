"""Exact mathematics for bilinear state tracking: groups, automata, representation theory, the
hierarchy and its theorems.  No torch here (DESIGN §2)."""

# Submodules load on first use (PEP 562), so that ``from theory.automaton import Automaton`` or the
# ``bilinear`` command does not pay for sympy and the character-table machinery it does not need.
_EXPORTS = {
    "characters": ("CharacterTable", "TableCertificate", "certify_character_table", "character_table"),
    "cyclotomic": ("Cyclotomic",),
    "abelian": ("AbelianDecomposition", "abelian_decomposition"),
    "automaton": ("Automaton", "random_automaton"),
    "errors": ("BilinearError", "InputError", "MathematicalError", "NotRealizableError", "OrderLimitError"),
    "group": ("DEFAULT_MAX_ORDER", "FiniteGroup"),
    "group_parser": ("parse_group",),
    "matrix_groups": ("affine_group_1d", "general_linear_group", "special_linear_group"),
    "named_groups": ("abelian_group", "alternating_group", "cyclic_group", "dihedral_group",
                     "direct_product", "group_from_cayley_table", "group_from_generator_string",
                     "group_from_sympy", "permutation_group", "quaternion_group", "symmetric_group",
                     "trivial_group"),
    "hierarchy_level": ("HierarchyLevel", "hierarchy_level", "minimal_normal_subgroups"),
    "real_irreps": ("RealIrreducible", "is_faithful", "kernel_intersection", "real_character",
                    "real_irreducibles"),
    "representations": ("RealIrrepMatrices", "all_real_irrep_matrices", "real_irrep_matrices"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "BilinearError", "InputError", "MathematicalError", "NotRealizableError", "OrderLimitError",
    "AbelianDecomposition", "abelian_decomposition", "Automaton", "random_automaton",
    "DEFAULT_MAX_ORDER", "FiniteGroup", "parse_group",
    "abelian_group", "alternating_group", "cyclic_group", "dihedral_group", "direct_product",
    "group_from_cayley_table", "group_from_generator_string", "group_from_sympy", "permutation_group",
    "quaternion_group", "symmetric_group", "trivial_group",
    "affine_group_1d", "general_linear_group", "special_linear_group",
    "CharacterTable", "TableCertificate", "character_table", "certify_character_table", "Cyclotomic",
    "RealIrreducible", "real_irreducibles", "real_character", "is_faithful", "kernel_intersection",
    "HierarchyLevel", "hierarchy_level", "minimal_normal_subgroups",
    "RealIrrepMatrices", "real_irrep_matrices", "all_real_irrep_matrices",
]


def __getattr__(name):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'theory' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
