"""Schemathesis with every check over every operation the emulator serves (issue 22).

The operations are the spec's operations whose method and path the emulator's route table
serves, so a family that lands later is covered without a change here. Each operation gets
three kinds of request, all sent to a live emulator filled with known objects (contacts,
lists, a tag, custom fields, an export and a campaign sent by the send simulation, plus
what the operation itself needs, ``Live.prepare``: a segment, a draft campaign with or
without an A/B test, a scheduled activity, a resend, an unsubscribed contact; the token
holds every scope the spec names):

- the coverage phase (boundary, missing and wrong values, undeclared methods, a missing
  ``Authorization``), with the path parameters fixed to real ids;
- generated requests the spec allows, most of them aimed at real ids (path parameters and
  body id lists), the others free;
- generated requests the spec forbids.

Every answer goes through all of schemathesis's response checks and through our stricter
``tests.support.conformance`` (error bodies held to the spec's error schemas). The two
stateful checks (``use_after_free``, ``ensure_resource_availability``) need a scenario:
``conformance_lifecycle`` creates, reads, deletes and reads again for every collection
whose create, read and delete the emulator serves.

A failure the spec's own contradictions explain is tolerated only when it matches a row of
``ccspec.TOLERATED_FAILURES`` (``conformance_tally``); everything else is reported.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import hypothesis
import schemathesis
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import Failure
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from tests.support.ccspec import conformant_spec
from tests.support.conformance import response_problems
from tests.support.conformance_live import Live
from tests.support.conformance_tally import Finding, Tally, describe_request

from listbridge.emulator.app import create_app
from listbridge.emulator.config import EmulatorConfig

_METHODS = ("get", "put", "post", "delete", "patch")
# Families served only to say they are not emulated: their declared error answers are
# checked (status, error shape), nothing else (issue 22).
NOT_EMULATED_TAGS = frozenset(
    {"Events", "Automations", "Technology Partners", "Technology Partners Webhooks", "Social"}
)
# Emulated operations that answer an error to every request by design: the emulator has no
# landing pages, so each landing-page report is the 404 it declares (emulator-deviations.md,
# "Landing-page reports"). Every other emulated operation must answer some 2xx in a run.
ALWAYS_ERROR_TEMPLATES = re.compile(r"/reports/landing_pages/.*")
# Every check schemathesis has, by name (the registry is filled on first use).
load_all_checks()
ALL_CHECKS: list[Callable[..., Any]] = list(CHECKS.get_all())
ERROR_ONLY_CHECKS = frozenset(
    {"not_a_server_error", "status_code_conformance", "content_type_conformance"}
)


@dataclass(frozen=True)
class Budget:
    """How many requests of each kind one operation gets."""

    coverage: int
    free: int
    aimed: int
    negative: int


CI_BUDGET = Budget(coverage=30, free=6, aimed=10, negative=6)
# The not-emulated families answer one error whatever is sent: a few requests show it.
NOT_EMULATED_BUDGET = Budget(coverage=10, free=3, aimed=0, negative=3)


@dataclass(frozen=True)
class SpecOperation:
    method: str
    template: str
    emulated: bool  # False: a not-emulated family, answered with an error on purpose

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def must_succeed(self) -> bool:
        """Whether a run's requests, aimed at prepared objects, must get some 2xx answer."""
        return self.emulated and not ALWAYS_ERROR_TEMPLATES.fullmatch(self.template)


def _shape(template: str) -> str:
    return re.sub(r"\{[^/}]+\}", "{}", template)


@functools.cache
def served_routes() -> frozenset[tuple[str, str]]:
    """(method, path shape) of every ``/v3`` route of the emulator, parameters as ``{}``."""
    app = create_app(EmulatorConfig(auto_approve=True, testing_controls=True))
    served = set()
    for route in iter_route_contexts(app.router.routes):
        if route.path and route.path.startswith("/v3/") and route.methods:
            for method in route.methods - {"HEAD"}:
                served.add((method, _shape(route.path.removeprefix("/v3"))))
    return frozenset(served)


@functools.cache
def covered_operations() -> tuple[SpecOperation, ...]:
    """Every spec operation the emulator serves, in the spec's order."""
    found = []
    for template, item in conformant_spec()["paths"].items():
        for method, operation in item.items():
            if method in _METHODS and (method.upper(), _shape(template)) in served_routes():
                emulated = not NOT_EMULATED_TAGS.intersection(operation.get("tags", []))
                found.append(SpecOperation(method.upper(), template, emulated))
    return tuple(found)


@functools.cache
def spec_schema() -> Any:
    schema = schemathesis.openapi.from_dict(copy.deepcopy(conformant_spec()))
    return schema


def exercise(case: Any, live: Live, kind: str, operation: SpecOperation, tally: Tally) -> None:
    """Send one case; every check's failure becomes a finding, none stops the run."""
    headers = dict(live.headers)
    if case.headers and "Authorization" in case.headers:
        headers.pop("Authorization")  # the case tests its own (or a missing) credential
    response = case.call(base_url=f"{live.base_url}/v3", headers=headers, timeout=30)
    tally.count(kind, response.status_code)
    checks = ALL_CHECKS
    if not operation.emulated:
        checks = [c for c in ALL_CHECKS if c.__name__ in ERROR_ONLY_CHECKS]
    request = describe_request(response)
    try:
        case.validate_response(response, checks=checks, headers=headers)
    except (Exception, BaseExceptionGroup) as exc:  # every failure is recorded, whatever its type
        for failure in failures_of(exc):
            name = getattr(failure, "check_name", None) or type(failure).__name__
            detail = f"{getattr(failure, 'title', '')}: {getattr(failure, 'message', failure)}"
            detail += f" <- {response.content[:600].decode('utf-8', 'replace')}"
            tally.add(Finding(operation.label, name, response.status_code, request, detail))
    content_type = (response.headers.get("content-type") or [""])[0]
    path = urlsplit(response.request.url).path
    for problem in response_problems(
        case.method, path, response.status_code, response.content, content_type
    ):
        tally.add(Finding(operation.label, "conformance", response.status_code, request, problem))
    if not operation.emulated and response.status_code < 400:
        detail = "a not-emulated operation answered with success"
        tally.add(Finding(operation.label, "not_emulated", response.status_code, request, detail))


def failures_of(exc: BaseException) -> Iterator[Any]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from failures_of(inner)
    elif isinstance(exc, Failure):
        yield exc
    else:
        yield exc  # a crash of a check itself is a finding too


def _settings(examples: int, seed: int | None) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _run_strategy(
    strategy: Any, examples: int, run: Callable[[Any], None], seed: int | None
) -> None:
    if examples <= 0:
        return

    @_settings(examples, seed)
    @given(case=strategy)
    def drive(case: Any) -> None:
        run(case)

    if seed is not None:
        drive = hypothesis.seed(seed)(drive)
    # Unsatisfiable: e.g. no way to break a free-form path string, nothing negative to send.
    with contextlib.suppress(Unsatisfiable):
        drive()


def coverage_cases(operation: Any, fixed: dict[str, str], limit: int) -> list[Any]:
    """The coverage phase's cases, probes of methods and headers first, then the others."""
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=operation.schema.config.generation_for(
            operation=operation, phase="coverage"
        ),
        auth_storage=None,
        override=Override(path_parameters=fixed),
        feedback=FeedbackSources(),
    )
    probes, others = [], []
    for case in generator:
        scenario = str(getattr(case.meta.phase.data, "scenario", ""))
        location = str(getattr(case.meta.phase.data, "parameter_location", ""))
        is_probe = "http_method" in scenario or ("missing" in scenario and "header" in location)
        (probes if is_probe else others).append(case)
        if len(others) >= limit and len(probes) >= 8:
            break
    return probes + others[: max(0, limit - len(probes))]


def run_operation(
    live: Live, operation: SpecOperation, budget: Budget, seed: int | None = None
) -> Tally:
    """Every kind of request for one operation, on a freshly refilled emulator.

    Derandomized (the same requests every run, as CI needs) unless a ``seed`` is given.
    """
    live.refill(operation.method, operation.template)
    # pytest-randomly reseeds `random` per test with a new seed each run; what schemathesis
    # draws from it must not change between CI runs, so each operation gets its own fixed one.
    random.seed(f"{operation.label}:{seed}")
    tally = Tally()
    api_operation = spec_schema()[operation.template][operation.method]
    fixed = live.path_parameters(operation.template)
    for case in coverage_cases(api_operation, fixed, budget.coverage):
        exercise(live.aim(case), live, "coverage", operation, tally)

    def sender(kind: str) -> Callable[[Any], None]:
        return lambda case: exercise(case, live, kind, operation, tally)

    free = api_operation.as_strategy()
    _run_strategy(free, budget.free, sender("free"), seed)
    aimed = api_operation.as_strategy(path_parameters=fixed or None).map(live.aim)
    _run_strategy(aimed, budget.aimed, sender("aimed"), seed)
    negative = api_operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed or None)
    _run_strategy(negative, budget.negative, sender("negative"), seed)
    return tally
