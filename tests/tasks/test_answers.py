"""Answer extraction: choice letters, numbers and normalised text read from model replies."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearance.tasks._answers import (
    extract_choice,
    extract_number,
    index_for,
    letter_for,
    normalize_text,
    numbers_equal,
)

GSM8K_TEST = Path("/work/shared/datasets/gsm8k/test.jsonl")
CAPITALS = ("London", "Paris", "Berlin", "Madrid")

# (reply, n_choices, choices, expected letter)
CHOICE_CASES: list[tuple[str, int, tuple[str, ...] | None, str | None]] = [
    # bare letters and their decorations
    ("B", 4, None, "B"),
    ("(B)", 4, None, "B"),
    ("B)", 4, None, "B"),
    ("B.", 4, None, "B"),
    ("**B**", 4, None, "B"),
    ("\n\n  C  \n", 4, None, "C"),
    ("A", 4, None, "A"),
    ("b", 4, None, "B"),
    ("B) Paris", 4, CAPITALS, "B"),
    # explicit statements
    ("Answer: B", 4, None, "B"),
    ("ANSWER: A", 4, None, "A"),
    ("answer: b", 4, None, "B"),
    ("The answer is (C).", 4, None, "C"),
    ("The answer is (a).", 4, None, "A"),
    ("The answer is A.", 4, None, "A"),
    ("The correct answer is: D) Paris", 4, None, "D"),
    ("The answer is: **B**", 4, None, "B"),
    ("**Answer:** (c) Berlin", 4, CAPITALS, "C"),
    ("Final Answer: The final answer is (D). I hope it is correct.", 4, None, "D"),
    ("I would choose option b", 4, None, "B"),
    ("I'll go with D.", 4, None, "D"),
    ("the correct option is c", 4, None, "C"),
    ("So the best option is (d).", 4, None, "D"),
    ("C is correct.", 4, None, "C"),
    ("Option B is correct.", 4, None, "B"),
    ("(A) is the correct answer.", 4, None, "A"),
    ("Final answer: \\boxed{C}", 4, None, "C"),
    ("We get $\\boxed{\\text{(B)}}$.", 4, None, "B"),
    ("<answer>C</answer>", 4, None, "C"),
    ("Therefore, B.", 4, None, "B"),
    ("Answer: A because the others contradict the premise.", 4, None, "A"),
    ("I believe A is correct since it alone balances the equation.", 4, None, "A"),
    ("After weighing the evidence, the answer is (H).", 10, None, "H"),
    ("The answer is I.", 10, None, "I"),
    # chain of thought: the last explicit statement wins
    (
        "A good approach is to eliminate options. Option A fails the units check and C "
        "ignores friction. Therefore, the answer is B",
        4,
        None,
        "B",
    ),
    ("The answer is B. Wait, let me reconsider. Actually, the answer is C.", 4, None, "C"),
    ("B is incorrect. A is not correct either. D is correct.", 4, None, "D"),
    (
        "Option A would be correct if the force were constant, but it is not. The answer is C.",
        4,
        None,
        "C",
    ),
    ("Let me compare.\nA is too small and B ignores friction.\n\nC", 4, None, "C"),
    ("B\n\nExplanation: Paris has been the capital of France since 987.", 4, None, "B"),
    ("I would not choose B. The answer is D.", 4, None, "D"),
    ("I think the answer is D.", 4, None, "D"),
    ("Answer: I think it's C", 10, None, "C"),
    ("First we rule things out... \\boxed{B}", 4, None, "B"),
    # restating an option's text
    ("Paris", 4, CAPITALS, "B"),
    ("paris.", 4, CAPITALS, "B"),
    ("The answer is Paris.", 4, CAPITALS, "B"),
    ("The answer is Madrid, because the question asks about Spain.", 4, CAPITALS, "D"),
    ("So the capital is $\\boxed{\\text{Paris}}$", 4, CAPITALS, "B"),
    ("(a) because the others contradict the premise", 4, None, "A"),
    ("It is Berlin, I think.", 4, CAPITALS, None),
    ("Berlin or Paris, I cannot decide.", 4, CAPITALS, None),
    ("Yes", 4, ("Yes", "No", "yes", "Maybe"), None),
    # traps: English words, out-of-range letters, several letters, nothing at all
    ("A good approach is to eliminate the options one by one.", 4, None, None),
    ("I think so.", 10, None, None),
    ("Answer: I'm not certain, but C seems plausible.", 10, None, None),
    ("The answer is a bit subtle here.", 4, None, None),
    ("I would choose a different method entirely.", 4, None, None),
    ("Vitamin C is the correct answer to most colds.", 4, None, None),
    ("The answer is E.", 4, None, None),
    ("The answer is E.", 5, None, "E"),
    ("Answer: (J)", 10, None, "J"),
    ("Answer: (J)", 9, None, None),
    ("Answer with A, B, C or D.", 4, None, None),
    ("Answer: B, C", 4, None, None),
    ("Both B and C look plausible.", 4, None, None),
    ("I'm not sure; this question needs more information.", 4, None, None),
    ("", 4, None, None),
    ("A. London B. Paris C. Berlin D. Madrid", 4, CAPITALS, None),
    ("A) London\nB) Paris\nC) Berlin\nD) Madrid", 4, CAPITALS, None),
    ("A: Paris is the capital of France.", 4, None, None),
    ("The answer is e.g. hard to pin down.", 5, None, None),
    ("the answer is c because the others are wrong", 4, None, "C"),
    (
        "Let's analyze each option:\nA) London is in the UK.\nB) Paris is in France.\n"
        "The answer is B.",
        4,
        CAPITALS,
        "B",
    ),
    ("   \n  ", 4, None, None),
]


@pytest.mark.parametrize(("reply", "n_choices", "choices", "expected"), CHOICE_CASES)
def test_extract_choice_reads_realistic_replies(
    reply: str, n_choices: int, choices: tuple[str, ...] | None, expected: str | None
) -> None:
    assert extract_choice(reply, n_choices, choices) == expected


def test_extract_choice_rejects_n_choices_out_of_range() -> None:
    with pytest.raises(ValueError, match="n_choices=1 is out of range"):
        extract_choice("A", 1)
    with pytest.raises(ValueError, match="n_choices=27 is out of range"):
        extract_choice("A", 27)


def test_extract_choice_rejects_wrong_argument_types() -> None:
    with pytest.raises(TypeError, match="n_choices must be an int"):
        extract_choice("A", True)
    with pytest.raises(TypeError, match="text must be a str"):
        extract_choice(None, 4)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sequence of option texts"):
        extract_choice("A", 4, "ABCD")


def test_extract_choice_rejects_choices_that_do_not_match_n_choices() -> None:
    with pytest.raises(ValueError, match="choices has 3 option texts but n_choices is 4"):
        extract_choice("A", 4, ("x", "y", "z"))


# (reply, expected number)
NUMBER_CASES: list[tuple[str, Decimal | None]] = [
    ("#### 72", Decimal(72)),
    ("#### -3", Decimal(-3)),
    ("#### 1,450,000", Decimal(1450000)),
    ("Janet makes $18 every day.\n#### 18", Decimal(18)),
    ("\\boxed{1,234}", Decimal(1234)),
    ("\\boxed{1{,}234}", Decimal(1234)),
    ("\\boxed{\\$1,234.50}", Decimal("1234.50")),
    ("\\boxed{18 \\text{ dollars}}", Decimal(18)),
    ("\\boxed{9 \\times 2 = 18}", Decimal(18)),
    ("The final answer is \\boxed{\\frac{3}{4}}.", Decimal("0.75")),
    ("The answer is $18.", Decimal(18)),
    ("The answer is -1,234.", Decimal(-1234)),
    ("The answer is approximately 3.14.", Decimal("3.14")),
    ("The answer is x = 12.", Decimal(12)),
    ("The answer is \\frac{1}{8}", Decimal("0.125")),
    ("Final Answer: The final answer is $42$. I hope it is correct.", Decimal(42)),
    ("Answer: **1,600**", Decimal(1600)),
    ("Answer: 0.25", Decimal("0.25")),
    ("= 42 dollars", Decimal(42)),
    ("3.5 hours", Decimal("3.5")),
    ("-7", Decimal(-7)),
    ("1,000,000", Decimal(1000000)),
    ("1/2", Decimal("0.5")),
    ("50%", Decimal(50)),
    ("The answer is 2.5%.", Decimal("2.5")),
    ("It takes 18.00 hours", Decimal("18.00")),
    ("It costs .5 dollars.", Decimal("0.5")),
    ("Total: €2,500", Decimal(2500)),
    ("The change is -$5.", Decimal(-5)),
    ("The temperature dropped to -10 degrees.", Decimal(-10)),
    ("16 - 3 - 4 = 9 eggs remain", Decimal(9)),
    ("She sells 16-3-4=9 eggs, so 9 * 2 = 18 dollars a day.", Decimal(18)),
    ("In 2023 she bought 5 apples and 12 pears; in total 17 fruits.", Decimal(17)),
    ("The answer is 18. Note that 3 eggs were eaten.", Decimal(18)),
    ("The answer is 7, not 8.", Decimal(7)),
    ("\\boxed{5} ... but wait, the answer is 6.", Decimal(6)),
    ("The answer is 6.\n\nOn reflection: \\boxed{5}", Decimal(5)),
    ("Answer: Janet has 16 eggs and makes 18 dollars", Decimal(18)),
    ("The answer is 1/3.", None),
    ("The answer is 5/0.", None),
    ("There are no numbers here.", None),
    ("", None),
]


@pytest.mark.parametrize(("reply", "expected"), NUMBER_CASES)
def test_extract_number_reads_realistic_replies(reply: str, expected: Decimal | None) -> None:
    assert extract_number(reply) == expected


def test_extract_number_rejects_non_text() -> None:
    with pytest.raises(TypeError, match="text must be a str"):
        extract_number(18)  # type: ignore[arg-type]


def _gsm8k_gold_answers() -> list[str]:
    if not GSM8K_TEST.exists():
        pytest.skip(f"GSM8K test split not found at {GSM8K_TEST}")
    lines = GSM8K_TEST.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["answer"] for line in lines if line.strip()]


def test_extract_number_reads_every_gsm8k_gold_answer() -> None:
    answers = _gsm8k_gold_answers()
    assert len(answers) == 1319
    wrong = []
    for answer in answers:
        expected = Decimal(answer.rsplit("####", 1)[1].strip().replace(",", ""))
        got = extract_number(answer)
        if got != expected:
            wrong.append((answer[-40:], expected, got))
    assert wrong == []


THOUSANDS_SEPARATORS = [",", "_", "\u2009", "\u202f"]


@given(n=st.integers(), separator=st.sampled_from(THOUSANDS_SEPARATORS))
def test_extract_number_reads_integers_with_any_thousands_separator(n: int, separator: str) -> None:
    assert extract_number(f"The answer is {n:,}.".replace(",", separator)) == n


@given(value=st.decimals(allow_nan=False, allow_infinity=False, places=3))
def test_extract_number_reads_decimals_written_with_separators(value: Decimal) -> None:
    assert extract_number(f"The answer is {value:,f} hours.") == value


def test_numbers_equal_ignores_trailing_zeros() -> None:
    assert numbers_equal(Decimal(18), Decimal("18.00"))
    assert not numbers_equal(Decimal(18), Decimal("18.01"))


def test_numbers_equal_honours_relative_tolerance() -> None:
    assert numbers_equal(Decimal(100), Decimal(101), rel_tol=Decimal("0.01"))
    assert not numbers_equal(Decimal(100), Decimal(102), rel_tol=Decimal("0.01"))


def test_numbers_equal_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="rel_tol must be a Decimal"):
        numbers_equal(Decimal(1), Decimal(1), rel_tol=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass a tolerance of 0 or more"):
        numbers_equal(Decimal(1), Decimal(1), rel_tol=Decimal(-1))
    with pytest.raises(ValueError, match="a is NaN"):
        numbers_equal(Decimal("NaN"), Decimal(1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  The   Eiffel\tTower. ", "eiffel tower"),
        ("“Paris”", "paris"),
        ("**PARIS**", "paris"),
        ("an apple", "apple"),
        ("A", "a"),
        ("-7.", "-7"),
        (".5", ".5"),
        ("f(x)", "f(x)"),
        ("(B)", "b"),
        ("50%", "50%"),
        ("U.S.", "u.s"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_letters_and_indices_round_trip() -> None:
    assert [letter_for(i) for i in range(10)] == list("ABCDEFGHIJ")
    assert all(index_for(letter_for(i)) == i for i in range(26))
    assert index_for("c") == 2


def test_letter_for_rejects_out_of_range_index() -> None:
    with pytest.raises(ValueError, match="option index 26 is out of range"):
        letter_for(26)
    with pytest.raises(ValueError, match="option index -1 is out of range"):
        letter_for(-1)
    with pytest.raises(TypeError, match="index must be an int"):
        letter_for(True)


@pytest.mark.parametrize("letter", ["", "AB", "1", "(A)", " A", "é", "ı"])
def test_index_for_rejects_non_letters(letter: str) -> None:
    with pytest.raises(ValueError, match="is not an option letter"):
        index_for(letter)


def test_numbers_equal_is_exact_beyond_28_digits() -> None:
    a = Decimal("10000000000000000000000000000000.1")
    assert not numbers_equal(a, Decimal("10000000000000000000000000000000.2"))


PATHOLOGICAL_REPLIES = [
    " " * 60_000 + "B",
    "\n" * 60_000 + "C",
    "*" * 60_000,
    "answer: " + "*" * 60_000,
    "\\boxed{" * 10_000,
    "x" + ")" * 60_000,
    "B) x" + " " * 60_000 + "y",
]


@pytest.mark.parametrize("reply", PATHOLOGICAL_REPLIES, ids=lambda reply: repr(reply[:10]))
def test_extractors_stay_linear_on_long_runs(reply: str) -> None:
    # A quadratic pattern takes tens of seconds on 60,000 characters; linear takes milliseconds.
    # CPU time, not wall time, so other work on a busy machine cannot make this fail.
    started = time.process_time()
    extract_choice(reply, 4, CAPITALS)
    extract_number(reply)
    normalize_text(reply)
    assert time.process_time() - started < 2.0
