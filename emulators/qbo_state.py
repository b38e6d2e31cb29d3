"""The demo company's persistence: keep its objects, grants, requestid answers and behaviour across restarts of
the app (QB_ENV=local only, `QboEmulator(state_file=...)`), written after every POST.

Pickle, because this is the emulator's own private file in the app's data folder; never load one from elsewhere.
A file written before a field existed loads with that field's fresh value. Behaviour settings saved in the file
win over the constructor's (the demo only sets them at run time, through the control API).
"""

from __future__ import annotations

import os
import pickle

STATE = (("company", ("objects", "created_log", "_sequences", "_next_doc_number", "_next_bill_number")),
         ("oauth", ("access_tokens", "refresh_tokens", "codes")))


def save_state(emu) -> None:
    with emu._lock:
        state = {owner: {name: getattr(getattr(emu, owner), name) for name in names} for owner, names in STATE}
        state["replies"] = emu._replies
        state["behaviour"] = emu.company.behaviour.as_dict()
        data = pickle.dumps(state)
    emu.state_file.parent.mkdir(parents=True, exist_ok=True)
    temp = emu.state_file.with_suffix(".tmp")
    temp.write_bytes(data)
    os.replace(temp, emu.state_file)


def load_state(emu) -> None:
    state = pickle.loads(emu.state_file.read_bytes())
    for owner, names in STATE:
        for name in names:
            if name in state[owner]:
                setattr(getattr(emu, owner), name, state[owner][name])
    emu._replies = state["replies"]
    emu.company.configure(**state.get("behaviour", {}))
