"""Spanish WhatsApp text: normalising, choices and yes/no, names, documents, phones,
e-mails, dates in words."""
