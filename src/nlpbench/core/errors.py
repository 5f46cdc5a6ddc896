"""The one exception type for bad user input: it says where, what, and the fix."""


class InputError(ValueError):
    """Bad input: a file, a row, a column or a config key the user must change.

    The message names the place (`where`), the problem (`what`) and how to
    fix it (`fix`), so a SLURM log line alone is enough to act on.
    """

    def __init__(self, where: str, what: str, fix: str):
        self.where, self.what, self.fix = str(where), what, fix
        super().__init__(f"{self.where}: {what}\n  fix: {fix}")
