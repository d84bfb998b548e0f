from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from casework.forms import DateInput
from core.fields import MultiLineFormField
from documents.models import REASON_MAX, Document
from documents.services import too_large_message


class DocumentForm(forms.ModelForm):
    # Not required by the field: a file cut off at the size limit arrives as no file,
    # and the person must read why (clean_file), not "This field is required".
    file = forms.FileField(label=_("File"), required=False, allow_empty_file=True)

    class Meta:
        model = Document
        fields = ["file", "kind", "title", "document_date", "visibility"]
        widgets = {"document_date": DateInput, "visibility": forms.RadioSelect}
        help_texts = {
            "visibility": _(
                "Who may read this document: the same readers as a note of this visibility. "
                "Choose the narrowest that serves the case."
            ),
        }

    def __init__(self, *args, viewer, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.fields["file"].help_text = _(
            "PDF, JPEG, PNG, WebP or TIFF images, Word, Excel or OpenDocument files, or plain "
            "text; at most %(limit)s. The type is checked from the file's content."
        ) % {"limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        # Only the visibilities this reader may write (casework/parts.py), as for notes.
        self.fields["visibility"].choices = [
            c for c in self.fields["visibility"].choices if c[0] and viewer.may_write_note(c[0])
        ]
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0]]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_large:
            raise forms.ValidationError(too_large_message(), code="too_large")
        if not upload:
            raise forms.ValidationError(_("Choose the file to upload."), code="required")
        return upload


class DocumentRemoveForm(forms.Form):
    reason = MultiLineFormField(
        label=_("Why is it removed?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
