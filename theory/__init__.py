"""Exact mathematics for bilinear state tracking: groups, automata, representation theory, the
hierarchy and its theorems.  No torch here (DESIGN §2)."""

from .characters import CharacterTable, TableCertificate, certify_character_table, character_table
from .cyclotomic import Cyclotomic
from .abelian import AbelianDecomposition, abelian_decomposition
from .automaton import Automaton, random_automaton
from .errors import BilinearError, InputError, MathematicalError, NotRealizableError, OrderLimitError
from .group import DEFAULT_MAX_ORDER, FiniteGroup
from .group_parser import parse_group
from .matrix_groups import affine_group_1d, general_linear_group, special_linear_group
from .named_groups import (abelian_group, alternating_group, cyclic_group, dihedral_group, direct_product,
                           group_from_cayley_table, group_from_generator_string, group_from_sympy,
                           permutation_group, quaternion_group, symmetric_group, trivial_group)
from .hierarchy_level import HierarchyLevel, hierarchy_level, minimal_normal_subgroups
from .real_irreps import RealIrreducible, is_faithful, kernel_intersection, real_character, real_irreducibles
from .representations import RealIrrepMatrices, all_real_irrep_matrices, real_irrep_matrices

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
