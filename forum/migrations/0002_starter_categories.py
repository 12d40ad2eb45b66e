"""The categories every install starts with. Editable afterwards in the Django admin."""

from django.db import migrations

STARTER_CATEGORIES = [
    (
        "Partner involvement",
        "partner-involvement",
        "For partners, and for couples working on it together: how to help without pressure.",
    ),
    (
        "Progress stories",
        "progress-stories",
        "Where you started, where you are now. Every step counts, setbacks included.",
    ),
    (
        "Questions & support",
        "questions-support",
        "Ask anything, however small or awkward. Someone here has wondered the same.",
    ),
    (
        "Dilators & exercises",
        "dilators-exercises",
        "Sizes, routines, lubricants, relaxation and pelvic-floor exercises: what works for you.",
    ),
    (
        "Treatment & practitioners",
        "treatment-practitioners",
        "Physiotherapy, therapy, doctors' appointments and finding someone who listens.",
    ),
    (
        "Wins & celebrations",
        "wins-celebrations",
        "A first tampon, a calm appointment, a good session: tell us, we'll cheer.",
    ),
    (
        "Off-topic",
        "off-topic",
        "Books, pets, hobbies and everything else. A break from the hard stuff.",
    ),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("forum", "Category")
    for position, (name, slug, description) in enumerate(STARTER_CATEGORIES):
        Category.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "position": position},
        )


def remove_categories(apps, schema_editor):
    Category = apps.get_model("forum", "Category")
    Category.objects.filter(
        slug__in=[slug for _, slug, _ in STARTER_CATEGORIES], threads__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]

    operations = [migrations.RunPython(create_categories, remove_categories)]
