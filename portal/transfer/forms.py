from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from portal.forms import PortalForm


class UploadForm(PortalForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l(
            "Exported from Salesforce, HubSpot or a spreadsheet: UTF-8 or Windows-1252, "
            "separated by commas or semicolons, the first row naming the columns."
        ),
    )
    submit = SubmitField(_l("Upload"))
