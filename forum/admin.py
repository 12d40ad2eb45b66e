from django.contrib import admin

from forum.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "is_public"]
    list_editable = ["position", "is_public"]
    prepopulated_fields = {"slug": ["name"]}
