"""Writes colombian_names.txt: every common given name (colombian_given_names.txt) with
twelve pairs of common surnames (colombian_surnames.txt), picked by a fixed stride, so the
list is the same on every run. Run from the repository root."""

from pathlib import Path

HERE = Path(__file__).parent


def lines(name: str) -> list[str]:
    return [
        line.strip()
        for line in (HERE / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def main() -> None:
    given = lines("colombian_given_names.txt")
    surnames = lines("colombian_surnames.txt")
    names = []
    for i, first in enumerate(given):
        for k in range(12):
            a = surnames[(i * 7 + k * 13) % len(surnames)]
            b = surnames[(i * 11 + k * 17 + 5) % len(surnames)]
            if a != b:
                names.append(f"{first} {a} {b}")
    out = HERE / "colombian_names.txt"
    out.write_text("\n".join(dict.fromkeys(names)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
