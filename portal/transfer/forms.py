from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from portal.forms import PortalForm


class UploadForm(PortalForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file.")],
        description="Exported from Salesforce, HubSpot or a spreadsheet: UTF-8 or "
        "Windows-1252, separated by commas or semicolons, the first row naming the columns.",
    )
    submit = SubmitField("Upload")
