"""A Dockerfile parser faithful to BuildKit, with typed helpers and the stage graph.

Use :func:`parse` / :func:`parse_file`; every problem BuildKit would reject raises
:class:`ParseError` (``path:line:col: what``).
"""

from stagesmith.dockerfile.document import (
    environment,
    global_env,
    instruction_dict,
    parse,
    parse_file,
    to_dict,
)
from stagesmith.dockerfile.graph import Edge, ExternalRef, StageGraph, UnknownRef
from stagesmith.dockerfile.helpers import (
    CopyInfo,
    FromInfo,
    Mount,
    command_words,
    copy_info,
    env_pairs,
    from_info,
    label_pairs,
    pairs,
    parse_mount,
    parse_mounts,
)
from stagesmith.dockerfile.model import (
    Dockerfile,
    Heredoc,
    Instruction,
    ParseError,
    Stage,
    Warning,
)
from stagesmith.dockerfile.parser import dump, dump_instruction, go_quote

__all__ = [
    "CopyInfo",
    "Dockerfile",
    "Edge",
    "ExternalRef",
    "FromInfo",
    "Heredoc",
    "Instruction",
    "Mount",
    "ParseError",
    "Stage",
    "StageGraph",
    "UnknownRef",
    "Warning",
    "command_words",
    "copy_info",
    "dump",
    "dump_instruction",
    "env_pairs",
    "environment",
    "from_info",
    "global_env",
    "go_quote",
    "instruction_dict",
    "label_pairs",
    "pairs",
    "parse",
    "parse_file",
    "parse_mount",
    "parse_mounts",
    "to_dict",
]
