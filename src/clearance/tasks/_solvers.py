"""Solvers: steps that turn a sample into model calls. Each factory is registered by name."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from clearance.models import ChatMessage
from clearance.tasks._answers import index_for, letter_for
from clearance.tasks._registry import Registry
from clearance.tasks._state import Generate, TaskState


class Solver(Protocol):
    """One step of solving a sample. ``generates`` says whether it calls the model."""

    generates: bool

    async def __call__(self, state: TaskState, generate: Generate) -> TaskState: ...


SolverFactory = Callable[..., Solver]
solvers: Registry[SolverFactory] = Registry("solver")
solver = solvers.register


class _Step:
    """A solver built from a plain async function; ``args`` are the factory's arguments, so a
    step can be rebuilt with one changed (an elicitation override)."""

    def __init__(
        self, name: str, fn: Any, *, generates: bool, args: dict[str, Any] | None = None
    ) -> None:
        self.name = name
        self._fn = fn
        self.generates = generates
        self.args = dict(args or {})

    async def __call__(self, state: TaskState, generate: Generate) -> TaskState:
        result: TaskState = await self._fn(state, generate)
        return result


@solver("generate")
def generate_solver() -> Solver:
    """Call the model with the conversation so far."""

    async def step(state: TaskState, generate: Generate) -> TaskState:
        state.output = await generate(state.messages)
        state.messages.append(ChatMessage(role="assistant", content=state.output.text))
        return state

    return _Step("generate", step, generates=True)


@solver("system_message")
def system_message(text: str) -> Solver:
    """Put a system message first (after any the sample already has)."""

    async def step(state: TaskState, generate: Generate) -> TaskState:
        at = sum(1 for m in state.messages if m.role == "system")
        state.messages.insert(at, ChatMessage(role="system", content=text))
        return state

    return _Step("system_message", step, generates=False)


@solver("prompt_template")
def prompt_template(template: str) -> Solver:
    """Rewrite the user prompt: ``{prompt}`` is the sample's input; metadata fields by name."""
    if "{prompt}" not in template:
        raise ValueError("prompt_template: the template must contain {prompt}")

    async def step(state: TaskState, generate: Generate) -> TaskState:
        fields = {**state.sample.metadata, "prompt": state.user_prompt()}
        state.set_user_prompt(template.format_map(_Missing(fields)))
        return state

    return _Step("prompt_template", step, generates=False)


class _Missing(dict[str, Any]):
    """Leaves unknown ``{names}`` in a template as they are instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


COT_TEMPLATE = (
    "{prompt}\n\nThink step by step, then give your final answer on the last line in the form "
    "'ANSWER: $ANSWER'."
)


@solver("chain_of_thought")
def chain_of_thought(template: str = COT_TEMPLATE) -> Solver:
    """Ask for reasoning before the answer."""
    return prompt_template(template)


MC_TEMPLATE = (
    "Answer the following multiple choice question. The last line of your response should be "
    "of the form 'ANSWER: $LETTER' where LETTER is one of {letters}.\n\n{question}\n\n{options}"
)
MC_COT_TEMPLATE = MC_TEMPLATE.replace(
    "\n\n{question}", " Think step by step before answering.\n\n{question}"
)


def shuffled_order(n: int, seed: int, sample_id: str, epoch: int) -> list[int]:
    """A permutation of ``range(n)`` fixed by the seed, the sample and the epoch."""
    key = hashlib.sha256(f"{seed}:{sample_id}:{epoch}".encode()).digest()
    order = list(range(n))
    random.Random(key).shuffle(order)
    return order


@solver("multiple_choice")
def multiple_choice(
    shuffle: bool = False, cot: bool = False, template: str | None = None
) -> Solver:
    """Present the choices as lettered options and ask for a letter.

    With ``shuffle`` the options are permuted under the run's seed (per sample and epoch) and
    the target letter follows its option; the order used is kept in the sample's metadata.
    """
    text = template or (MC_COT_TEMPLATE if cot else MC_TEMPLATE)

    async def step(state: TaskState, generate: Generate) -> TaskState:
        choices = state.choices
        if not choices:
            raise ValueError(f"sample {state.sample.id!r} has no choices for multiple_choice")
        order = list(range(len(choices)))
        if shuffle:
            order = shuffled_order(len(choices), state.seed, state.sample.id, state.epoch)
            state.choices = tuple(choices[i] for i in order)
            state.target = _remap_targets(state.target, order)
            state.metadata["choice_order"] = order
        assert state.choices is not None
        letters = [letter_for(i) for i in range(len(state.choices))]
        options = "\n".join(f"{lt}) {c}" for lt, c in zip(letters, state.choices, strict=True))
        state.set_user_prompt(
            text.format(letters=",".join(letters), question=state.user_prompt(), options=options)
        )
        return await generate_solver()(state, generate)

    args = {"shuffle": shuffle, "cot": cot, "template": template}
    return _Step("multiple_choice", step, generates=True, args=args)


LIKELIHOOD_TEMPLATE = "{question}\nAnswer:"
"""lm-evaluation-harness's usual multiple-choice prompt: the question, then ``Answer:``, each
option scored as the continuation ``" " + option``."""


LETTER_TEMPLATE = "{question}\n\n{options}\n\nAnswer with the letter of the correct option only."
"""For models that give only next-token log-probabilities: the letters are scored."""


@solver("multiple_choice_likelihood")
def multiple_choice_likelihood(
    shuffle: bool = False, template: str = LIKELIHOOD_TEMPLATE
) -> Solver:
    """Score each option by its log-likelihood as a continuation of the prompt (no generation).

    The answer is the option with the highest log-likelihood (lm-eval's ``acc``); the option
    with the highest log-likelihood per character (``acc_norm``) is kept in the sample's
    metadata for the ``choice_norm`` scorer. Both, with every option's log-likelihood, are in
    ``metadata["likelihood"]``. The output reads ``ANSWER: X`` so the ``choice`` scorer and
    anything that reads letters work unchanged.
    """
    if "{question}" not in template:
        raise ValueError("multiple_choice_likelihood: the template must contain {question}")

    async def step(state: TaskState, generate: Generate) -> TaskState:
        if not state.choices:
            raise ValueError(f"sample {state.sample.id!r} has no choices for likelihood scoring")
        if state.loglikelihood is None:
            raise ValueError(
                "likelihood scoring needs log-likelihoods from the model, which this runner "
                "does not supply"
            )
        if shuffle:
            order = shuffled_order(len(state.choices), state.seed, state.sample.id, state.epoch)
            state.choices = tuple(state.choices[i] for i in order)
            state.target = _remap_targets(state.target, order)
            state.metadata["choice_order"] = order
        choices = state.choices
        if state.likelihood_kind == "next_token":
            # the model scores only its next token: show lettered options, score the letters
            letters = [letter_for(i) for i in range(len(choices))]
            options = "\n".join(f"{lt}) {c}" for lt, c in zip(letters, choices, strict=True))
            prompt = LETTER_TEMPLATE.format(question=state.user_prompt(), options=options)
            state.set_user_prompt(prompt)
            continuations = letters
        else:
            state.set_user_prompt(template.format_map(_Missing(question=state.user_prompt())))
            continuations = [" " + c for c in choices]
        out = await state.loglikelihood(state.messages, continuations)
        scores = out.loglikelihoods
        if scores is None or len(scores) != len(choices):
            raise ValueError(
                f"sample {state.sample.id!r}: the model returned "
                f"{0 if scores is None else len(scores)} log-likelihoods for {len(choices)} options"
            )
        best = _first_max(scores)
        # lm-eval's acc_norm divides by the option's length in characters (not the space)
        shown = choices if state.likelihood_kind != "next_token" else continuations
        lengths = [max(len(c), 1) for c in shown]
        best_norm = _first_max([ll / n for ll, n in zip(scores, lengths, strict=True)])
        state.metadata["likelihood"] = {
            "loglikelihoods": list(scores),
            "greedy": list(out.greedy or ()),
            "answer": letter_for(best),
            "answer_norm": letter_for(best_norm),
        }
        state.output = out.model_copy(update={"text": f"ANSWER: {letter_for(best)}"})
        state.messages.append(ChatMessage(role="assistant", content=state.output.text))
        return state

    return _Step(
        "multiple_choice_likelihood",
        step,
        generates=True,
        args={"shuffle": shuffle, "template": template},
    )


def _first_max(values: Sequence[float]) -> int:
    """The index of the largest value, the first on ties (as ``numpy.argmax``)."""
    return max(range(len(values)), key=lambda i: (values[i], -i))


def _remap_targets(target: str | tuple[str, ...], order: list[int]) -> str | tuple[str, ...]:
    def remap(letter: str) -> str:
        return letter_for(order.index(index_for(letter)))

    return remap(target) if isinstance(target, str) else tuple(remap(t) for t in target)
