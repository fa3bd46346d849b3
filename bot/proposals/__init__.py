"""Open-space proposals: the LOCAL4ACTION Hub's expression-of-interest form, its review by the
moderators, and approved sessions in the programme.

``model`` (what a proposal is), ``form`` (the front-neutral form: fields, texts, choices,
validators), ``repo`` (SQL), ``env`` (repository and slots' state), ``service`` (hosts),
``window`` (submission dates and the moderators' switch), ``moderation`` (review, decisions,
notices, export), ``sessions`` (approved proposals in the programme), ``conversation`` (the form
asked question by question on text fronts), ``text`` (text commands), ``views`` (replies),
``export`` (CSV).
"""
