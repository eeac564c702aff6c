"""SS129 (ss129_final_stage_on_build_image): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM python:3.12\nCOPY . /app\n", {}, id="full python single stage"),
    pytest.param(
        "FROM golang:1.22-alpine\nCOPY . .\n", {}, id="golang alpine still has the toolchain"
    ),
    pytest.param(
        "FROM eclipse-temurin:21 AS base\nFROM base AS final\n", {}, id="final inherits a jdk stage"
    ),
    pytest.param(
        "FROM rust:1.77 AS build\nFROM debian:bookworm-slim\n",
        {"target": "build"},
        id="target selects the builder",
    ),
]

PASSES = [
    pytest.param(
        "FROM golang:1.22 AS build\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\n",
        {},
        id="slim runtime",
    ),
    pytest.param("FROM maven:3.9 AS build\nFROM eclipse-temurin:21-jre\n", {}, id="jre"),
    pytest.param("FROM node:20-alpine\n", {}, id="alpine node"),
    pytest.param("FROM ${BASE}\n", {}, id="unresolved arg"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS129", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS129", text, **context)
