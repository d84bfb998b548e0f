"""What every app shares and no app owns: text input rules, the API error shape,
request limits and how records are named to people. Imports no app."""
